/**
 * Consistency across nodes (SPEC section 14): two and three nodes on one PostgreSQL database serve one HSM, and a
 * change committed through any node is honoured by every other node's next call, although each node's caches were
 * warm with the state before the change. Tokens minted by node 1 are used on every node (one issuer URL, signing
 * keys in the database).
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { changeContext } from "../../src/store/index.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { startPgCluster, type PgCluster } from "./pg-cluster.js";
import type { RpcError, TestServer } from "./server.js";

const digest = new Uint8Array(createHash("sha256").update("multi-node").digest());

const clusters: PgCluster[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.close();
});

/** "ok", or the x-error-code the node refused the call with. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return (error as RpcError).errorCode ?? `grpc ${(error as RpcError).code}`;
  }
}

function sign(node: TestServer, token: string, name: string): Promise<string> {
  return outcome(node.call(node.crypto, CryptoService, "sign", { name, algorithm: "ES256", digest } as never, node.metadata(token)));
}

async function assign(node: TestServer, adminToken: string, principal: PrincipalRecord, name?: string): Promise<string> {
  const created = (await node.call(
    node.access,
    AccessControlService,
    "createRoleAssignment",
    { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: principal.id, ...(name === undefined ? {} : { name }) },
    node.metadata(adminToken),
  )) as unknown as { roleAssignment: { name: string } };
  return created.roleAssignment.name;
}

function unassign(node: TestServer, adminToken: string, name: string): Promise<unknown> {
  return node.call(node.access, AccessControlService, "deleteRoleAssignment", { scope: "/", name }, node.metadata(adminToken));
}

function setKeyEnabled(node: TestServer, token: string, name: string, enabled: boolean): Promise<unknown> {
  return node.call(node.keys, KeyService, "updateKey", { name, attributes: { enabled } } as never, node.metadata(token));
}

/**
 * How many reads of the generation counter this process's nodes send to PostgreSQL for calls while `work` runs. A
 * node's background work (the diagnostic forwarder's tick, outside any call) reads it too, on its own timer: those
 * reads are not the calls' cost and are not counted.
 */
async function countGenerationReads(work: () => Promise<unknown>): Promise<number> {
  const query = pg.Pool.prototype.query;
  let reads = 0;
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: Parameters<typeof query>) {
    const config = args[0] as string | { text?: string };
    const forCall = changeContext.getStore() !== undefined;
    if (forCall && (typeof config === "string" ? config : (config.text ?? "")).includes("change_generation")) reads++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Pool.prototype.query = query;
  }
  return reads;
}

/** The checks of one cluster size; `key` names the key it creates (a second run on the same database needs another). */
async function honoursChangesAcrossNodes(nodes: readonly TestServer[], key: string): Promise<void> {
  const [first, second] = nodes as [TestServer, TestServer];
  const count = nodes.length;
  const others = nodes.slice(1);
  const adminToken = await first.token(first.admin);
  const officer = await first.user("officer");
  await assign(first, adminToken, officer);
  const officerToken = await first.token(officer);

  // A key created through node 1 signs through every other node.
  await first.call(first.keys, KeyService, "createKey", { name: key, kty: "EC-HSM", crv: "P-256" } as never, first.metadata(officerToken));
  for (const node of others) expect(await sign(node, officerToken, key)).toBe("ok");

  // Revoking a role: each round's grant warms the other nodes' caches just before the revocation lands.
  const signer = await first.user("signer");
  const signerToken = await first.token(signer);
  const seen = others.map(() => ({ grants: 0, denials: 0 }));
  for (let round = 0; round < 20; round++) {
    const name = await assign(first, adminToken, signer);
    for (const [i, node] of others.entries()) if ((await sign(node, signerToken, key)) === "ok") seen[i]!.grants++;
    await unassign(first, adminToken, name);
    for (const [i, node] of others.entries()) if ((await sign(node, signerToken, key)) === "ForbiddenByRbac") seen[i]!.denials++;
  }
  expect(seen).toEqual(others.map(() => ({ grants: 20, denials: 20 })));

  // A key disabled through node 2 is refused by node 1's next call, and serves again once enabled elsewhere.
  expect(await sign(first, officerToken, key)).toBe("ok");
  await setKeyEnabled(second, officerToken, key, false);
  expect(await sign(first, officerToken, key)).toBe("OperationNotAllowed");
  await setKeyEnabled(nodes[count - 1]!, officerToken, key, true);
  expect(await sign(first, officerToken, key)).toBe("ok");

  // A principal disabled on node 1 is refused by the others with a token that is still within its lifetime.
  for (const node of others) expect(await sign(node, officerToken, key)).toBe("ok");
  await first.node.directory.setEnabled(first.node.tenant.id, officer.id, false);
  for (const node of others) expect(await sign(node, officerToken, key)).toBe("Unauthorized");
  await second.node.directory.setEnabled(second.node.tenant.id, officer.id, true);
  for (const node of nodes) expect(await sign(node, officerToken, key)).toBe("ok");

  // The check costs one generation read per call, not one per cache the call asks (HSM, caller, RBAC, key).
  const reads = await countGenerationReads(() =>
    Promise.all(
      others.map(async (node) => {
        for (let i = 0; i < 10; i++) expect(await sign(node, officerToken, key)).toBe("ok");
      }),
    ),
  );
  expect(reads).toBeGreaterThan(0);
  expect(reads).toBeLessThanOrEqual(10 * others.length);

  // A key deleted through node 1 is gone on the others.
  await first.call(first.keys, KeyService, "deleteKey", { name: key } as never, first.metadata(officerToken));
  for (const node of others) expect(await sign(node, officerToken, key)).toBe("KeyNotFound");
}

describe("nodes on one PostgreSQL database", () => {
  it("honour on every node the next call after a change committed through another: two nodes, then a third joins", async () => {
    const cluster = await startPgCluster(2);
    clusters.push(cluster);
    await honoursChangesAcrossNodes(cluster.nodes, "two-nodes");
    await cluster.addNode();
    await honoursChangesAcrossNodes(cluster.nodes, "three-nodes");
  });
});
