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
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { connect, journalFiles, reconcile, writeLoop, type Write } from "./write-clients.js";

let server: DevServer | undefined;
afterEach(async () => {
  if (server !== undefined) await killHard(server);
  server = undefined;
});

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
    const { counts, records } = await reconcile(writes, stored, journals);
    console.log(
      `reconciliation: ${writes.length} writes, ${kills} kills, ${records} records; ` +
        `${counts.acknowledged} acknowledged, ${counts.refused} refused, ${counts.lost} in flight at a kill (${counts.lostKept} of them kept, with their records)`,
    );
    await readFile(journals[0]!); // the journal is readable after the run (no leftover lock or truncation)
  });
});
