/**
 * Diagnostic-log forwarding on two nodes of one PostgreSQL database (SPEC sections 7 and 14): a setting created
 * through node 1's management plane is followed by node 2 too, without a restart, so calls audited by node 2 land in
 * the storage account (blobs in the database), each once; a setting deleted through node 1 stops node 2 forwarding.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { storageAccountId } from "../../src/arm/storage-account-ids.js";
import { parseListenAddress } from "../../src/config/listen-address.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { ArmClient } from "../../src/management/client/arm-client.js";
import { AUDIT_EVENT_CONTAINER } from "../../src/management/diagnostics/azure-log-line.js";
import { OWNER, StoreBlobStore } from "../../src/management/index.js";
import { startPgCluster, type PgCluster } from "./pg-cluster.js";
import type { TestServer } from "./server.js";

const SUBSCRIPTION = "0d1a9000-0000-4000-8000-000000000001";
const GROUP = "logs";
const HSM = "logshsm";
const ACCOUNT = "clusterlogs";
const hsmPath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.KeyVault/managedHSMs/${HSM}`;
const settingPath = `${hsmPath}/providers/Microsoft.Insights/diagnosticSettings/to-storage`;

let cluster: PgCluster;
let first: TestServer;
let second: TestServer;
let arm: ArmClient;

beforeAll(async () => {
  cluster = await startPgCluster(2);
  [first, second] = cluster.nodes as [TestServer, TestServer];
  // The operator's management role, given through the store (not what is under test here).
  await first.node.store.management.insertRoleAssignment({
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${OWNER.name}`,
    principalId: first.admin.id,
    createdAt: Date.now(),
  });
  arm = new ArmClient({
    endpoint: parseListenAddress("endpoint", first.node.addresses.https),
    token: await first.token(first.admin, "management"),
    ca: Buffer.from(first.node.tls!.caPem!),
  });
  await arm.send("PUT", `/subscriptions/${SUBSCRIPTION}`, { displayName: "Logs" });
  await arm.send("PUT", `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}`, { location: "westeurope" });
  await arm.sendAndWait("PUT", hsmPath, {
    location: "westeurope",
    sku: { family: "B", name: "Standard_B1" },
    properties: { tenantId: first.node.tenant.id, initialAdminObjectIds: [first.admin.id] },
  });
  await arm.send("PUT", storageAccountId({ subscriptionId: SUBSCRIPTION, resourceGroup: GROUP, name: ACCOUNT }), {
    location: "westeurope",
    sku: { name: "Standard_LRS" },
    kind: "StorageV2",
  });
});

afterAll(async () => {
  await cluster?.close();
});

/** A data-plane call on the HSM through `node`, audited under `requestId` (refused: the HSM is not activated yet). */
async function auditedCall(node: TestServer, requestId: string): Promise<void> {
  const token = await node.token(node.admin);
  await node.call(node.keys, KeyService, "getKey", { name: "absent" }, node.metadata(token, HSM, requestId)).catch(() => undefined);
}

/** The correlation ids of every forwarded line, read from the blobs in the database. */
async function forwardedIds(): Promise<string[]> {
  const blobs = new StoreBlobStore(second.node.store.blobs);
  if (!(await blobs.listContainers(ACCOUNT)).includes(AUDIT_EVENT_CONTAINER)) return [];
  const ids: string[] = [];
  for (const { name } of (await blobs.listBlobs(ACCOUNT, AUDIT_EVENT_CONTAINER)).value) {
    const text = (await blobs.readBlob(ACCOUNT, AUDIT_EVENT_CONTAINER, name)).toString("utf8");
    for (const line of text.split("\n").filter(Boolean)) ids.push((JSON.parse(line) as { correlationId: string }).correlationId);
  }
  return ids;
}

describe("diagnostic settings on two nodes of one PostgreSQL database", () => {
  it("a setting created through node 1 forwards the calls node 2 audits, each once, its deletion stops them", async () => {
    await auditedCall(second, "before-setting");
    const created = await arm.send("PUT", settingPath, {
      properties: {
        storageAccountId: storageAccountId({ subscriptionId: SUBSCRIPTION, resourceGroup: GROUP, name: ACCOUNT }),
        logs: [{ category: "AuditEvent", enabled: true }],
      },
    });
    expect(created.status).toBe(200);
    await auditedCall(second, "through-node-2-a");
    await auditedCall(first, "through-node-1");
    await auditedCall(second, "through-node-2-b");

    const wanted = ["through-node-1", "through-node-2-a", "through-node-2-b"];
    await vi.waitFor(async () => expect((await forwardedIds()).filter((id) => wanted.includes(id)).sort()).toEqual(wanted), {
      timeout: 15_000,
      interval: 100,
    });
    // Node 2's own calls in its journal's order; nothing from before the setting; nothing twice.
    const ids = await forwardedIds();
    expect(ids.filter((id) => id.startsWith("through-node-2"))).toEqual(["through-node-2-a", "through-node-2-b"]);
    expect(ids).not.toContain("before-setting");
    expect(new Set(ids).size).toBe(ids.length);

    expect((await arm.send("DELETE", settingPath)).status).toBe(200);
    // Node 2's forwarder follows the deletion made through node 1: its cursor goes.
    await vi.waitFor(async () => expect(await second.node.store.diagnosticCursors.list("node-2")).toEqual([]), {
      timeout: 15_000,
      interval: 100,
    });
    await auditedCall(second, "after-delete");
    // Made again: forwarding starts afresh from then. Once node 2's later call is there, node 2 has read past the
    // call made while no setting existed, which is not.
    await arm.send("PUT", settingPath, {
      properties: {
        storageAccountId: storageAccountId({ subscriptionId: SUBSCRIPTION, resourceGroup: GROUP, name: ACCOUNT }),
        logs: [{ category: "AuditEvent", enabled: true }],
      },
    });
    await auditedCall(second, "after-recreate");
    await vi.waitFor(async () => expect(await forwardedIds()).toContain("after-recreate"), { timeout: 15_000, interval: 100 });
    expect(await forwardedIds()).not.toContain("after-delete");
  });
});
