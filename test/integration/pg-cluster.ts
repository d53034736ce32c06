/**
 * Several in-process keyhold nodes on one PostgreSQL database (SPEC section 14), as an operator runs them: each its
 * own data dir, node id, pool and journals; one seal key (copied into each data dir, as an operator gives every node
 * the same key file) and one token issuer URL (the load balancer's), so any node opens any HSM's keys and accepts
 * any node's tokens. The database is the test's own and is dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, databaseUrl, dropTestDatabase } from "../store/store-kinds.js";
import { startTestServer, type TestServer } from "./server.js";

/** The issuer every node names in its tokens (it is never fetched: nodes read the signing keys from the store). */
export const CLUSTER_ISSUER = "https://keyhold-cluster.test";

export interface PgCluster {
  readonly url: string;
  readonly nodes: TestServer[];
  /** Starts one more node on the database (node-<n>). */
  addNode(): Promise<TestServer>;
  /** Stops every node and drops the database. */
  close(): Promise<void>;
}

/** A data dir holding the cluster's seal key, for a node that is about to start on it. */
export async function clusterDataDir(sealKey: Uint8Array, prefix = "keyhold-node-"): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dataDir, "seal.key"), sealKey, { mode: 0o600 });
  return dataDir;
}

/** `count` nodes on a new database of the shared server, or on `options.url` (a server of the test's own). */
export async function startPgCluster(count: number, options: { url?: string } = {}): Promise<PgCluster> {
  const database = options.url === undefined ? await createTestDatabase() : undefined;
  const url = options.url ?? databaseUrl(database!);
  const sealKey = randomBytes(32);
  const nodes: TestServer[] = [];
  const dataDirs: string[] = [];
  const close = async (): Promise<void> => {
    for (const node of nodes.splice(0)) await node.stop().catch(() => undefined);
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
    if (database !== undefined) await dropTestDatabase(database);
  };
  const addNode = async (): Promise<TestServer> => {
    const dataDir = await clusterDataDir(sealKey);
    dataDirs.push(dataDir);
    const nodeId = `node-${nodes.length + 1}`;
    const node = await startTestServer({ dataDir, postgresUrl: url, nodeId, issuerBaseUrl: CLUSTER_ISSUER, threads: 1 });
    nodes.push(node);
    return node;
  };
  try {
    // One after another: the first migrates the schema and makes the tenant and admin the others find.
    for (let i = 1; i <= count; i++) await addNode();
  } catch (error) {
    await close();
    throw error;
  }
  return { url, nodes, addNode, close };
}
