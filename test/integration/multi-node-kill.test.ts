/**
 * A node killed with SIGKILL while three nodes on one PostgreSQL database take writes (SPEC section 14): every change
 * a node acknowledged is served by the others, the killed node rejoins on restart (its outbox drains into its own
 * journal), and the reconciliation of test/integration/durability.test.ts holds across the nodes: each node's chain
 * verifies and every change the database holds has exactly one Success record in some node's journal.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { Directory } from "../../src/identity/directory.js";
import { openPostgresStore } from "../../src/store/index.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { createTestDatabase, databaseUrl, dropTestDatabase } from "../store/store-kinds.js";
import { CLUSTER_ISSUER, clusterDataDir } from "./pg-cluster.js";
import { connect, CRYPTO_USER, journalFiles, reconcile, writeLoop, type Connection, type Write } from "./write-clients.js";

const HSM = "hsm-a";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Node {
  readonly id: string;
  readonly dataDir: string;
  server: DevServer;
  connection: Connection;
}

describe("three nodes on PostgreSQL, one killed under writes", () => {
  it("lose no acknowledged change, and the killed node rejoins with its journal whole", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(database));
    const url = databaseUrl(database);
    // The tenant and the administrator every node's configuration names, made before the first node starts.
    const seed = await openPostgresStore({ url, poolSize: 1 });
    try {
      const directory = new Directory(seed);
      const tenant = await directory.createTenant({ name: "dev" });
      await directory.createUser(tenant.id, {
        userPrincipalName: "admin",
        displayName: "Admin",
        password: "Admin-password-1!",
        enabled: true,
      });
    } finally {
      await seed.close();
    }
    const openStore = () => openPostgresStore({ url, poolSize: 1 });
    const sealKey = randomBytes(32);
    const nodes: Node[] = [];
    const start = async (id: string, dataDir: string): Promise<{ server: DevServer; connection: Connection }> => {
      const server = await startDevServer({
        dataDir,
        dev: false,
        env: {
          KEYHOLD_STORE_POSTGRES_URL: url,
          KEYHOLD_STORE_POSTGRES_POOL_SIZE: "4",
          KEYHOLD_AUDIT_NODE_ID: id,
          KEYHOLD_IDENTITY_ISSUER_BASE_URL: CLUSTER_ISSUER,
          KEYHOLD_WORKERS_THREADS: "1",
          KEYHOLD_HSMS: JSON.stringify([{ name: HSM, initialAdminObjectIds: ["admin"] }]),
        },
      });
      cleanups.push(() => killHard(server));
      return { server, connection: await connect(dataDir, server, { openStore, issuerBaseUrl: CLUSTER_ISSUER, hsm: HSM }) };
    };
    const startFresh = async (id: string): Promise<Node> => {
      const dataDir = await clusterDataDir(sealKey);
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      return { id, dataDir, ...(await start(id, dataDir)) };
    };
    // The first node makes the HSM's domain secret and initial assignments; the others find them.
    nodes.push(await startFresh("node-1"));
    nodes.push(...(await Promise.all(["node-2", "node-3"].map(startFresh))));
    const adminId = await nodes[0]!.connection.adminId();
    // The administrator may create keys (the writers' assignments are at /keys, and their names are the writes').
    const granted = await nodes[0]!.connection.grpc(
      "access",
      "createRoleAssignment",
      { scope: "/", roleDefinitionId: CRYPTO_USER, principalId: adminId },
      randomUUID(),
    );
    expect(granted.kind).toBe("ok");

    // Two writers of each kind on every node; node 2 dies while they run, the others go on a while longer.
    const writes: Write[] = [];
    const victim = nodes[1]!;
    const killAt = Date.now() + 500 + Math.floor(Math.random() * 700);
    const killer = setTimeout(() => victim.server.proc.kill("SIGKILL"), killAt - Date.now());
    const until = killAt + 1_500;
    await Promise.all(
      nodes.flatMap((node) =>
        (["key", "key", "assignment", "assignment"] as const).map((kind) => writeLoop(node.connection, kind, writes, until, adminId)),
      ),
    );
    clearTimeout(killer);
    await killHard(victim.server);
    victim.connection.close();

    // Every acknowledged change, whichever node took it, is served by the survivors.
    const survivors = nodes.filter((node) => node !== victim);
    const digest = new Uint8Array(createHash("sha256").update("kill").digest());
    const acknowledged = writes.filter((w) => w.outcome?.kind === "ok");
    for (const survivor of survivors) {
      const keys = new Set(await survivor.connection.listKeys());
      const assignments = new Set(await survivor.connection.listAssignmentNames());
      for (const write of acknowledged) expect((write.kind === "key" ? keys : assignments).has(write.name), write.name).toBe(true);
    }
    for (const [i, write] of acknowledged.filter((w) => w.kind === "key").entries()) {
      const signed = await survivors[i % survivors.length]!.connection.grpc(
        "crypto",
        "sign",
        { name: write.name, algorithm: "ES256", digest },
        randomUUID(),
      );
      expect(signed.kind, write.name).toBe("ok");
    }

    // The killed node rejoins: it drains what its outbox kept into its journal and serves again.
    Object.assign(victim, await start(victim.id, victim.dataDir));
    const stored = {
      key: new Set(await victim.connection.listKeys()),
      assignment: new Set(await victim.connection.listAssignmentNames()),
    };
    for (const write of acknowledged) expect(stored[write.kind as "key" | "assignment"].has(write.name), write.name).toBe(true);

    // A clean stop flushes each node's journals; then the store is reconciled against all of them.
    for (const node of nodes) {
      const stopped = new Promise((resolve) => node.server.proc.once("exit", resolve));
      node.server.proc.kill("SIGTERM");
      await stopped;
      node.connection.close();
    }
    const journals = (await Promise.all(nodes.map((node) => journalFiles(node.dataDir)))).flat();
    expect(journals.filter((path) => path.includes(`/${HSM}/`))).toHaveLength(3);
    const { counts, records } = await reconcile(writes, stored, journals);
    expect(counts.acknowledged).toBeGreaterThan(0);
    console.log(
      `multi-node reconciliation: ${writes.length} writes on 3 nodes, node-2 killed, ${records} records; ` +
        `${counts.acknowledged} acknowledged, ${counts.refused} refused, ${counts.lost} in flight at the kill (${counts.lostKept} of them kept, with their records)`,
    );
  });
});
