/**
 * Data-plane calls the multi-node tests make on a node over gRPC, as a principal with a token on one HSM.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { changeContext } from "../../src/store/index.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { startPgCluster, type PgCluster } from "./pg-cluster.js";
import type { RpcError, TestServer } from "./server.js";

/** The digest every `sign` signs. */
export const digest = new Uint8Array(createHash("sha256").update("cluster state").digest());

/** "ok", or how the node refused the call (status, x-error-code and message). */
export async function outcome(call: Promise<unknown>): Promise<"ok" | RpcError> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return error as RpcError;
  }
}

/** Who calls, on which HSM. */
export interface Caller {
  readonly token: string;
  readonly hsm: string;
}

export function createKey(node: TestServer, as: Caller, name: string): Promise<unknown> {
  return node.call(node.keys, KeyService, "createKey", { name, kty: "EC-HSM", crv: "P-256" } as never, node.metadata(as.token, as.hsm));
}

export async function sign(node: TestServer, as: Caller, name: string): Promise<Uint8Array> {
  const signed = (await node.call(
    node.crypto,
    CryptoService,
    "sign",
    { name, algorithm: "ES256", digest } as never,
    node.metadata(as.token, as.hsm),
  )) as unknown as { signature: Uint8Array };
  return signed.signature;
}

/** Crypto User and Crypto Officer at "/" of `hsm`. */
async function assignRoles(node: TestServer, adminToken: string, principal: PrincipalRecord, hsm: string): Promise<void> {
  for (const role of [MANAGED_HSM_CRYPTO_USER, MANAGED_HSM_CRYPTO_OFFICER]) {
    await node.call(
      node.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/", roleDefinitionId: role.id, principalId: principal.id },
      node.metadata(adminToken, hsm),
    );
  }
}

/** How many queries naming `fragment` (a table) this process's nodes send to PostgreSQL for calls while `work` runs. */
export async function countQueries(fragment: string, work: () => Promise<unknown>): Promise<number> {
  const query = pg.Pool.prototype.query;
  let count = 0;
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: Parameters<typeof query>) {
    const config = args[0] as string | { text?: string };
    // Only what calls send: a node's background work (the diagnostic forwarder's tick) reads on its own timer.
    const forCall = changeContext.getStore() !== undefined;
    if (forCall && (typeof config === "string" ? config : (config.text ?? "")).includes(fragment)) count++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Pool.prototype.query = query;
  }
  return count;
}

/** Two nodes on a new database (added to `clusters`, which the test closes) and a user with the crypto roles on `hsms`. */
export async function twoNodesAndUser(
  clusters: PgCluster[],
  hsms: readonly string[],
): Promise<{ cluster: PgCluster; first: TestServer; second: TestServer; adminToken: string; token: string }> {
  const cluster = await startPgCluster(2);
  clusters.push(cluster);
  const [first, second] = cluster.nodes as [TestServer, TestServer];
  const adminToken = await first.token(first.admin);
  const user = await first.user("crypto");
  for (const hsm of hsms) await assignRoles(first, adminToken, user, hsm);
  return { cluster, first, second, adminToken, token: await first.token(user) };
}
