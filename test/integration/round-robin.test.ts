/**
 * A client that knows several nodes (SPEC section 14): two `keyhold serve` processes on one PostgreSQL database (and
 * one data dir for the seal key and the TLS files, each node with its own audit journal), one client channel over
 * `--endpoint IP:PORT,IP:PORT`. Calls reach both nodes; after SIGKILL of one, the client's later calls succeed on
 * the other, over TLS checked against the listed addresses.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerKeyCommands } from "../../src/cli/key.js";
import { Directory, TokenIssuer, issuerSettings } from "../../src/identity/index.js";
import { openConnection, type ConnectionOptions } from "../../src/load/connection.js";
import type { Outcome } from "../../src/load/outcome.js";
import { runLoad, type LoadPlan } from "../../src/load/run.js";
import { openPostgresStore } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { createTestDatabase, databaseUrl, dropTestDatabase } from "../store/store-kinds.js";

/** Tokens carry the issuer's URL, so both nodes are told the same one (their HTTPS ports differ). */
const ISSUER = "https://127.0.0.1:8443";

let database: string;
let dataDir: string;
const nodes: DevServer[] = [];
let connection: ConnectionOptions;

async function startNode(nodeId: string): Promise<DevServer> {
  const node = await startDevServer({
    dataDir,
    env: {
      KEYHOLD_STORE_POSTGRES_URL: databaseUrl(database),
      KEYHOLD_AUDIT_NODE_ID: nodeId,
      KEYHOLD_IDENTITY_ISSUER_BASE_URL: ISSUER,
      KEYHOLD_WORKERS_THREADS: "1",
    },
  });
  nodes.push(node);
  return node;
}

/** The dev admin's data-plane token, minted from the shared database as `keyhold token` does from SQLite. */
async function adminToken(): Promise<string> {
  const store = await openPostgresStore({ url: databaseUrl(database), poolSize: 1 });
  try {
    const directory = new Directory(store);
    const [tenant] = await directory.listTenants();
    if (tenant === undefined) throw new Error("the dev node made no tenant");
    const admin = await directory.findPrincipal(tenant.id, "admin");
    const issuer = await TokenIssuer.open(store, issuerSettings({ baseUrl: ISSUER }));
    return (await issuer.issue({ principal: admin, plane: "data", ttlSeconds: 3600 })).accessToken;
  } finally {
    await store.close();
  }
}

/** Lines of a node's audit journal for the dev HSM: one per audited call. */
async function journalLines(nodeId: string): Promise<number> {
  const text = await readFile(join(dataDir, "audit", "dev", `${nodeId}.jsonl`), "utf8").catch(() => "");
  return text.split("\n").filter((line) => line.includes('"KeySign"')).length;
}

const SIGN: LoadPlan = { op: "sign", alg: "ES256", key: { name: "shared" }, stream: false, concurrency: 2, window: 1 };

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-round-robin-"));
  // One after the other: the first sets up the dev tenant, HSM and CA; the second finds them.
  const first = await startNode("node-1");
  const second = await startNode("node-2");
  const token = await adminToken();
  connection = {
    endpoint: `${first.grpc},${second.grpc}`,
    caPem: await readFile(join(dataDir, "tls", "ca.pem"), "utf8"),
    token,
    hsmName: "dev",
  };
  const created = await runCli([registerKeyCommands], dataDir, [
    ...["key", "create", "--name", "shared", "--kty", "EC", "--curve", "P-256"],
    ...["--endpoint", connection.endpoint, "--hsm-name", "dev", "--token", token],
  ]);
  expect(created.stderr).toBe("");
});

afterAll(async () => {
  for (const node of nodes) await killHard(node);
  if (database !== undefined) await dropTestDatabase(database);
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe("--endpoint with two nodes on one database", () => {
  it("spreads one client's calls over both nodes, and after SIGKILL of one the later calls succeed on the other", async () => {
    const client = openConnection(connection);
    try {
      const before = [await journalLines("node-1"), await journalLines("node-2")];
      const spread = await runLoad({ ...SIGN, count: 40 }, { connection: client });
      expect(spread).toMatchObject({ ok: 40, errors: {} });
      const reached = [(await journalLines("node-1")) - (before[0] ?? 0), (await journalLines("node-2")) - (before[1] ?? 0)];
      // Round-robin over two ready nodes: each gets about half (the preparing call lands on either).
      expect(reached[0]).toBeGreaterThanOrEqual(10);
      expect(reached[1]).toBeGreaterThanOrEqual(10);

      // The same channel goes on while node 2 is killed after the 20th answer.
      const outcomes: Outcome[] = [];
      let killed: Promise<void> | undefined;
      const survived = await runLoad(
        { ...SIGN, count: 200 },
        {
          connection: client,
          onOutcome: (outcome) => {
            outcomes.push(outcome);
            if (outcomes.length === 20) killed = killHard(nodes[1] as DevServer);
          },
        },
      );
      await killed;
      const failed = outcomes.filter((outcome) => !outcome.ok);
      // Only what was in flight on node 2 when it died fails (2 loops; a little slack for a busy machine)...
      expect(failed.length).toBeLessThanOrEqual(6);
      expect(Object.keys(survived.errors).every((key) => key.startsWith("UNAVAILABLE"))).toBe(true);
      // ...and every later call succeeds on node 1.
      expect(outcomes.slice(-100).every((outcome) => outcome.ok)).toBe(true);
      expect(survived.ok).toBeGreaterThanOrEqual(194);
    } finally {
      client.close();
    }
  });
});
