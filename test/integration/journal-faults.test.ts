/**
 * A journal that cannot be written (SPEC section 9), on a real server process: an immutable journal file
 * (`chattr +i`) and a file-size limit (`prlimit --fsize`, the shape of a full disk). While it lasts, calls are refused
 * with UNAVAILABLE before they act and health reports NOT_SERVING; once the file can be written again the next call
 * succeeds and health returns to SERVING without a restart. After a SIGKILL and a restart, no refused change is in the
 * store, every change in the store has exactly one Success record, and the chain verifies.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterEach, describe, expect, it } from "vitest";
import { verifyJournal } from "../../src/audit/index.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { connect, journalEvents, journalFiles, type Connection, type Outcome } from "./write-clients.js";

let server: DevServer | undefined;
let immutable: string | undefined;
afterEach(async () => {
  if (immutable !== undefined) execFileSync("chattr", ["-i", immutable]);
  immutable = undefined;
  if (server !== undefined) await killHard(server);
  server = undefined;
});

type HealthClient = Client & {
  check(request: { service: string }, callback: (error: ServiceError | null, response: { status: string }) => void): void;
};

async function healthClient(dataDir: string, address: string): Promise<HealthClient> {
  const definition = loadSync(healthProtoPath, { includeDirs: [dirname(healthProtoPath)], enums: String });
  const grpc = loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (...args: unknown[]) => HealthClient } } };
  };
  const ca = await readFile(join(dataDir, "tls", "ca.pem"));
  return new grpc.grpc.health.v1.Health(address, credentials.createSsl(ca), { "grpc.ssl_target_name_override": "localhost" });
}

function health(client: HealthClient, service = "keyhold.v1.CryptoService"): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service }, (error, response) => (error ? reject(error) : resolve(response.status))),
  );
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const createKey = (connection: Connection, name: string): Promise<Outcome> =>
  connection.grpc("keys", "createKey", { name, kty: "EC", crv: "P-256" }, `req-${name}`);
const digest = new Uint8Array(createHash("sha256").update("journal faults").digest());

const show = (outcome: Outcome): string => (outcome.kind === "refused" ? `refused ${outcome.code}` : outcome.kind);

interface Attempt {
  readonly name: string;
  readonly outcome: Outcome;
}

/** Breaks the journal, checks the refusals and NOT_SERVING, mends it, checks the next call and SERVING. */
async function breakAndMend(
  connection: Connection,
  healthCheck: HealthClient,
  journal: string,
  breakIt: () => void,
  mend: () => void,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const attempt = async (name: string): Promise<Outcome> => {
    const outcome = await createKey(connection, name);
    attempts.push({ name, outcome });
    return outcome;
  };
  expect((await attempt(`before-${randomUUID().slice(0, 8)}`)).kind).toBe("ok");
  expect(await health(healthCheck)).toBe("SERVING");
  breakIt();
  // The first change after the break discovers it: either its change and record committed together (the record
  // waits in the store's outbox and is acknowledged), or it was refused. Every later call is refused before it acts.
  const first = await attempt(`first-${randomUUID().slice(0, 8)}`);
  expect(first.kind === "ok" || (first.kind === "refused" && first.code === "Unavailable"), show(first)).toBe(true);
  for (let i = 0; i < 3; i++)
    expect(await attempt(`refused-${i}-${randomUUID().slice(0, 8)}`)).toEqual({ kind: "refused", code: "Unavailable" });
  const sign = await connection.grpc("crypto", "sign", { name: attempts[0]!.name, algorithm: "ES256", digest }, randomUUID());
  expect(sign).toEqual({ kind: "refused", code: "Unavailable" });
  expect(await health(healthCheck)).toBe("NOT_SERVING");
  expect(await health(healthCheck, "")).toBe("NOT_SERVING");
  const healthz = await connection.https("GET", "/healthz", undefined, randomUUID());
  expect(healthz.kind === "refused" && healthz.code === "503").toBe(true);

  mend();
  // Health recovers without calls (the node retries the journal by itself) ...
  await eventually(async () => (await health(healthCheck)) === "SERVING", "health back to SERVING");
  // ... and the next call succeeds.
  expect((await attempt(`after-${randomUUID().slice(0, 8)}`)).kind).toBe("ok");
  expect((await connection.grpc("crypto", "sign", { name: attempts[0]!.name, algorithm: "ES256", digest }, randomUUID())).kind).toBe("ok");
  expect((await stat(journal)).size).toBeGreaterThan(0);
  return attempts;
}

describe("a journal that cannot be written", () => {
  it("refuses changes, reports NOT_SERVING, heals by itself, and keeps no refused change across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-journal-faults-"));
    server = await startDevServer({ dataDir });
    let connection = await connect(dataDir, server);
    const healthCheck = await healthClient(dataDir, server.grpc);
    expect((await createKey(connection, `warm-${randomUUID().slice(0, 8)}`)).kind).toBe("ok");
    const journal = (await journalFiles(dataDir)).find((path) => path.includes(`${join("audit", "dev")}/`))!;
    const pid = String(server.proc.pid);

    const attempts = [
      ...(await breakAndMend(
        connection,
        healthCheck,
        journal,
        () => {
          execFileSync("chattr", ["+i", journal]);
          immutable = journal;
        },
        () => {
          execFileSync("chattr", ["-i", journal]);
          immutable = undefined;
        },
      )),
      // A file-size limit (soft; the hard limit stays, so it can be lifted) at the journal's size: appends fail with
      // EFBIG, as on a full disk; the store's file is larger, so its writes fail as well.
      ...(await breakAndMend(
        connection,
        healthCheck,
        journal,
        () => execFileSync("prlimit", ["--pid", pid, `--fsize=${execFileSync("stat", ["-c", "%s", journal]).toString().trim()}:unlimited`]),
        () => execFileSync("prlimit", ["--pid", pid, "--fsize=unlimited:unlimited"]),
      )),
    ];
    healthCheck.close();
    connection.close();
    await killHard(server);

    server = await startDevServer({ dataDir });
    connection = await connect(dataDir, server);
    const stored = new Set(await connection.listKeys());
    const stopped = new Promise((r) => server!.proc.once("exit", r));
    server.proc.kill("SIGTERM");
    await stopped;
    server = undefined;
    connection.close();

    expect((await verifyJournal(journal)).ok).toBe(true);
    const successes = new Map<string, number>();
    for (const event of await journalEvents(journal)) {
      if (event.resultType === "Success" && event.operationName === "KeyCreate")
        successes.set(event.correlationId, (successes.get(event.correlationId) ?? 0) + 1);
    }
    const refused = attempts.filter((a) => a.outcome.kind === "refused").length;
    console.log(
      `journal faults: ${attempts.length} key creations over two breaks (chattr +i, prlimit --fsize); ${attempts.length - refused} acknowledged, ${refused} refused; first change after each break: ${attempts
        .filter((a) => a.name.startsWith("first-"))
        .map((a) => show(a.outcome))
        .join(", ")}`,
    );
    for (const { name, outcome } of attempts) {
      const kept = stored.has(name);
      expect(kept, `${name}: ${show(outcome)}`).toBe(outcome.kind === "ok");
      expect(successes.get(`req-${name}`) ?? 0, `${name} records`).toBe(kept ? 1 : 0);
    }
  });
});
