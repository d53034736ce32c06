/**
 * No change without its audit record, and acknowledged means durable (SPEC sections 9 and 12): a server process
 * taking writes of several kinds (keys and role assignments over gRPC, directory groups over HTTPS) is killed with
 * SIGKILL at random moments. After the last restart the store is reconciled against the journals: every change the
 * store holds has exactly one Success record, every acknowledged change is there (and its key signs), no change the
 * server refused was kept, and every journal's chain verifies.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyJournal } from "../../src/audit/index.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { connect, journalEvents, journalFiles, type Outcome, type Connection } from "./write-clients.js";

let server: DevServer | undefined;
afterEach(async () => {
  if (server !== undefined) await killHard(server);
  server = undefined;
});

const CRYPTO_USER = "21dbd100-6940-42c2-9190-5d6cb909625b";

interface Write {
  readonly kind: "key" | "assignment" | "group";
  /** The key name, assignment name or group display name the write creates. */
  readonly name: string;
  /** Its x-ms-client-request-id, which the audit record carries as correlationId. */
  readonly requestId: string;
  outcome?: Outcome;
}

async function writeLoop(connection: Connection, kind: Write["kind"], writes: Write[], until: number, adminId: string): Promise<void> {
  while (Date.now() < until) {
    const requestId = randomUUID();
    const write: Write = { kind, name: kind === "assignment" ? randomUUID() : `${kind}-${requestId.slice(0, 8)}`, requestId };
    writes.push(write);
    if (kind === "key")
      write.outcome = await connection.grpc("keys", "createKey", { name: write.name, kty: "EC", crv: "P-256" }, requestId);
    if (kind === "assignment") {
      write.outcome = await connection.grpc(
        "access",
        "createRoleAssignment",
        { scope: "/keys", name: write.name, roleDefinitionId: CRYPTO_USER, principalId: adminId },
        requestId,
      );
    }
    if (kind === "group")
      write.outcome = await connection.https(
        "POST",
        "/v1.0/groups",
        { displayName: write.name, mailEnabled: false, securityEnabled: true },
        requestId,
      );
    if (write.outcome?.kind === "lost") return; // the process is gone
  }
}

describe("durability and audit reconciliation across SIGKILL", () => {
  it("keeps every acknowledged change, and every stored change has its record", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-kill-"));
    const writes: Write[] = [];
    const kills = 3;
    for (let round = 0; round < kills; round++) {
      server = await startDevServer({ dataDir });
      const connection = await connect(dataDir, server);
      const adminId = await connection.adminId();
      const killAt = Date.now() + 300 + Math.floor(Math.random() * 900);
      const killer = setTimeout(() => server!.proc.kill("SIGKILL"), killAt - Date.now());
      const until = killAt + 2_000;
      // Two writers of each kind, so kills land while several changes are in flight.
      await Promise.all(
        (["key", "key", "assignment", "assignment", "group", "group"] as const).map((kind) =>
          writeLoop(connection, kind, writes, until, adminId),
        ),
      );
      clearTimeout(killer);
      await killHard(server);
      connection.close();
    }

    server = await startDevServer({ dataDir });
    const connection = await connect(dataDir, server);
    const stored = {
      key: new Set((await connection.listKeys()).filter((name) => name.startsWith("key-"))),
      assignment: new Set(await connection.listAssignmentNames()),
      group: new Set((await connection.listGroups()).filter((name) => name.startsWith("group-"))),
    };
    const digest = new Uint8Array(createHash("sha256").update("durable").digest());
    for (const write of writes.filter((w) => w.kind === "key" && w.outcome?.kind === "ok")) {
      const signed = await connection.grpc("crypto", "sign", { name: write.name, algorithm: "ES256", digest }, randomUUID());
      expect(signed.kind).toBe("ok");
    }
    // A clean stop flushes the journals, so the files hold everything the node acknowledged.
    const stopped = new Promise((r) => server!.proc.once("exit", r));
    server.proc.kill("SIGTERM");
    await stopped;
    server = undefined;
    connection.close();

    const journals = await journalFiles(dataDir);
    expect(journals.length).toBeGreaterThanOrEqual(2); // the dev HSM's and the management journal
    for (const path of journals) expect((await verifyJournal(path)).ok).toBe(true);
    const events = (await Promise.all(journals.map(journalEvents))).flat();
    const successes = new Map<string, number>();
    for (const event of events) {
      if (event.resultType === "Success") successes.set(event.correlationId, (successes.get(event.correlationId) ?? 0) + 1);
    }
    const counts = { acknowledged: 0, refused: 0, lost: 0, lostKept: 0 };
    for (const write of writes) {
      const kept = stored[write.kind].has(write.name);
      const outcome = write.outcome?.kind ?? "lost";
      if (outcome === "ok") {
        counts.acknowledged++;
        expect(kept, `${write.kind} ${write.name} was acknowledged`).toBe(true);
      }
      if (outcome === "refused") {
        counts.refused++;
        expect(kept, `${write.kind} ${write.name} was refused (${write.outcome?.kind === "refused" ? write.outcome.code : ""})`).toBe(
          false,
        );
      }
      if (outcome === "lost") {
        counts.lost++;
        if (kept) counts.lostKept++;
      }
      // Whatever the outcome: a change in the store has exactly one Success record; a change not kept has none.
      expect(successes.get(write.requestId) ?? 0, `${write.kind} ${write.name} (${outcome}, kept: ${kept})`).toBe(kept ? 1 : 0);
    }
    for (const kind of ["key", "assignment", "group"] as const) {
      const ours = new Set(writes.filter((w) => w.kind === kind).map((w) => w.name));
      for (const name of stored[kind])
        if (kind !== "assignment" || ours.has(name)) expect(ours.has(name), `${kind} ${name} came from nowhere`).toBe(true);
    }
    expect(counts.acknowledged).toBeGreaterThan(0);
    console.log(
      `reconciliation: ${writes.length} writes, ${kills} kills, ${events.length} records; ` +
        `${counts.acknowledged} acknowledged, ${counts.refused} refused, ${counts.lost} in flight at a kill (${counts.lostKept} of them kept, with their records)`,
    );
    await readFile(journals[0]!); // the journal is readable after the run (no leftover lock or truncation)
  });
});
