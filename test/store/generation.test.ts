/**
 * The data plane caches the HSM record and the key version each call names, keyed by the store's generation.
 * These tests open two stores on one data dir or database (two processes or two nodes, in effect) and check that a
 * change made through one is seen by the other's caches on the next call; they run against both implementations.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { KeyService, type KeyHsm } from "../../src/hsm/keys/key-service.js";
import type { HsmDomains } from "../../src/hsm/keys/domain.js";
import { StoreHsmRegistry } from "../../src/management/store-hsm-registry.js";
import type { Store } from "../../src/store/index.js";
import { keyRecord } from "../helpers/key-records.js";
import { STORE_KINDS } from "./store-kinds.js";

const HSM: KeyHsm = { id: "hsm-1", name: "one", hsmUriHost: "one.test", softDeleteRetentionInDays: 7, enablePurgeProtection: false };
const VERSION = "0123456789abcdef0123456789abcdef";

async function insertEcKey(store: Store): Promise<void> {
  await store.keys.insertKey(keyRecord(HSM.id, "k"));
  await store.keys.insertVersion({
    hsmId: HSM.id,
    name: "k",
    version: VERSION,
    seq: 1,
    kty: "EC-HSM",
    keyOps: ["sign", "verify"],
    tags: {},
    enabled: true,
    nbf: undefined,
    exp: undefined,
    created: 1,
    updated: 1,
    publicJwk: "{}",
    sealedPrivateJwk: new Uint8Array(1),
  });
}

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe.each(STORE_KINDS)("$name store generation", (kind) => {
  afterAll(() => kind.dropAll());

  async function twoStores(): Promise<[Store, Store]> {
    const place = await kind.place();
    const a = await place.open();
    const b = await place.open();
    opened.push(a, b);
    return [a, b];
  }

  it("moves with every change to keys and key versions, whichever connection made it", async () => {
    const [a, b] = await twoStores();
    const before = await a.generation();
    await insertEcKey(b);
    const afterInsert = await a.generation();
    expect(afterInsert).toBeGreaterThan(before);
    await b.keys.updateVersion(HSM.id, "k", VERSION, { enabled: false, updated: 2 });
    expect(await a.generation()).toBeGreaterThan(afterInsert);
  });

  it("moves with a role assignment made or removed through another connection, and not with a removal that found nothing", async () => {
    const [a, b] = await twoStores();
    const before = await a.generation();
    await b.rbac.insertRoleAssignment(HSM.id, {
      id: "/assignments/one",
      name: "one",
      scope: "/",
      roleDefinitionId: "/definitions/user",
      principalId: "p-1",
    });
    const afterInsert = await a.generation();
    expect(afterInsert).toBeGreaterThan(before);
    expect(await b.rbac.deleteRoleAssignment(HSM.id, "one")).toBe(true);
    const afterDelete = await a.generation();
    expect(afterDelete).toBeGreaterThan(afterInsert);
    expect(await b.rbac.deleteRoleAssignment(HSM.id, "one")).toBe(false);
    expect(await a.generation()).toBe(afterDelete);
  });

  it("a key version disabled or deleted through another connection is refused on the next call", async () => {
    const [a, b] = await twoStores();
    const service = new KeyService({ store: a, domains: {} as HsmDomains });
    await insertEcKey(b);
    expect((await service.usableVersion(HSM, "k", undefined, "sign")).record.version).toBe(VERSION);
    expect((await service.usableVersion(HSM, "k", VERSION, "sign")).record.enabled).toBe(true);

    await b.keys.updateVersion(HSM.id, "k", VERSION, { enabled: false, updated: 2 });
    await expect(service.usableVersion(HSM, "k", undefined, "sign")).rejects.toMatchObject({ code: "OperationNotAllowed" });
    await expect(service.usableVersion(HSM, "k", VERSION, "sign")).rejects.toMatchObject({ code: "OperationNotAllowed" });

    await b.keys.updateVersion(HSM.id, "k", VERSION, { enabled: true, updated: 3 });
    expect((await service.usableVersion(HSM, "k", undefined, "sign")).record.enabled).toBe(true);
    await b.keys.markDeleted(HSM.id, "k", { deletedDate: 4, scheduledPurgeDate: 5, recoveryId: "r" });
    await expect(service.usableVersion(HSM, "k", undefined, "sign")).rejects.toMatchObject({ code: "KeyNotFound" });
  });

  it("an HSM's network rules, activation and deletion changed through another connection reach the registry's next call", async () => {
    const [a, b] = await twoStores();
    const registry = new StoreHsmRegistry({ store: a });
    const settings = { initialAdminObjectIds: ["a"], publicNetworkAccess: "Enabled" as const };
    await b.management.insertManagedHsm({
      hsmId: "managed-1",
      subscriptionId: "s",
      resourceGroup: "g",
      name: "managed",
      tenantId: "t",
      location: "l",
      sku: { family: "B", name: "Standard_B1" },
      tags: {},
      settings: { ...settings, networkAcls: { bypass: "None", defaultAction: "Allow", ipRules: [] } },
      softDeleteRetentionInDays: 7,
      enablePurgeProtection: false,
      provisioningState: "Succeeded",
      activation: "Activated",
      deletedAt: undefined,
      scheduledPurgeAt: undefined,
      createdAt: 1,
      updatedAt: 1,
    });
    expect((await registry.resolve("managed")).networkAcls).toEqual({ defaultAction: "Allow", ipRules: [] });
    await b.management.updateManagedHsm("managed-1", {
      settings: { ...settings, networkAcls: { bypass: "None", defaultAction: "Deny", ipRules: ["10.0.0.0/8"] } },
    });
    expect((await registry.resolve("managed")).networkAcls).toEqual({ defaultAction: "Deny", ipRules: ["10.0.0.0/8"] });
    await b.management.updateManagedHsm("managed-1", { activation: "Restoring" });
    expect((await registry.resolve("managed")).activation).toBe("Restoring");
    await b.management.updateManagedHsm("managed-1", { deletedAt: 2, scheduledPurgeAt: 3 });
    await expect(registry.resolve("managed")).rejects.toMatchObject({ code: "HsmNotFound" });
  });

  it("concurrent readers share one read of the generation, and this process's writes are seen at once", async () => {
    const [a] = await twoStores();
    const [first, second] = [a.generation(), a.generation()];
    expect(first).toBe(second);
    await first;
    await insertEcKey(a);
    expect(await a.generation()).toBeGreaterThan(await first);
  });
});
