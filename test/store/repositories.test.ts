/**
 * What every repository does, against both stores (test/store/store-kinds.ts): names that ignore case, upserts,
 * filters, cascades, the one backup job in progress, and the store's half of the audit outbox.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { changeContext, type PendingChange, type Store } from "../../src/store/index.js";
import type { KeyRecord, KeyVersionRecord } from "../../src/store/index.js";
import { keyRecord } from "../helpers/key-records.js";
import { managedHsmRecord } from "../helpers/managed-hsm-record.js";
import { STORE_KINDS } from "./store-kinds.js";
import { jobInProgress } from "../helpers/backup-job-record.js";

const key = (name: string, overrides: Partial<KeyRecord> = {}): KeyRecord => keyRecord("hsm-1", name, overrides);

const version = (name: string, v: string, seq: number): KeyVersionRecord => ({
  hsmId: "hsm-1",
  name,
  version: v,
  seq,
  kty: "EC-HSM",
  keyOps: ["sign"],
  tags: { a: "b" },
  enabled: true,
  nbf: undefined,
  exp: 1_900_000_000_000,
  created: 1_700_000_000_000,
  updated: 1_700_000_000_000,
  publicJwk: "{}",
  sealedPrivateJwk: new Uint8Array([0, 1, 255]),
});

const hsm = managedHsmRecord;

function pendingChange(correlationId: string): PendingChange & { id: number | undefined; attachedIds: number[] } {
  const change = {
    open: true,
    id: undefined as number | undefined,
    attachedIds: [] as number[],
    journal: "contoso-hsm",
    nodeId: "node-1",
    event: () => JSON.stringify({ correlationId, writes: change.attachedIds.length }),
    attached(id: number) {
      change.id = id;
      change.attachedIds.push(id);
    },
  };
  return change;
}

describe.each(STORE_KINDS)("$name store repositories", (kind) => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(() => kind.dropAll());

  async function store(): Promise<Store> {
    const opened = await (await kind.place()).open();
    stores.push(opened);
    return opened;
  }

  it("keys: names ignore case, versions keep order and bytes, soft delete, recover, purge cascades", async () => {
    const s = await store();
    await s.keys.insertKey(key("Alpha"));
    await expect(s.keys.insertKey(key("ALPHA"))).rejects.toMatchObject({
      code: "Conflict",
      message: "A key named 'ALPHA' already exists.",
    });
    await s.keys.insertKey(key("beta", { rotationPolicy: "{}" }));
    expect((await s.keys.getKey("hsm-1", "alpha"))?.name).toBe("Alpha");
    expect((await s.keys.listKeys("hsm-1", "active")).map((k) => k.name)).toEqual(["Alpha", "beta"]);
    await s.keys.insertVersion(version("alpha", "v1", 1));
    await s.keys.insertVersion(version("ALPHA", "v2", 2));
    await expect(s.keys.insertVersion(version("Alpha", "v2", 3))).rejects.toMatchObject({ code: "Conflict" });
    expect((await s.keys.listVersions("hsm-1", "Alpha")).map((v) => v.version)).toEqual(["v1", "v2"]);
    const latest = await s.keys.latestVersion("hsm-1", "aLPHA");
    expect(latest).toEqual({ ...version("ALPHA", "v2", 2), name: "ALPHA" });
    expect(latest?.sealedPrivateJwk).toBeInstanceOf(Uint8Array);
    expect(await s.keys.updateVersion("hsm-1", "alpha", "v1", { enabled: false, exp: undefined, tags: {}, updated: 5 })).toBe(true);
    expect(await s.keys.getVersion("hsm-1", "alpha", "v1")).toMatchObject({ enabled: false, exp: undefined, tags: {}, updated: 5 });
    expect(await s.keys.updateVersion("hsm-1", "alpha", "nope", { updated: 5 })).toBe(false);
    expect((await s.keys.listWithRotationPolicy()).map((k) => k.name)).toEqual(["beta"]);

    expect(await s.keys.markDeleted("hsm-1", "ALPHA", { deletedDate: 10, scheduledPurgeDate: 20, recoveryId: "r" })).toBe(true);
    expect(await s.keys.markDeleted("hsm-1", "alpha", { deletedDate: 10, scheduledPurgeDate: 20, recoveryId: "r" })).toBe(false);
    expect((await s.keys.listPurgeDue(19)).map((k) => k.name)).toEqual([]);
    expect(await s.keys.listPurgeDue(20)).toEqual([
      key("Alpha", { state: "deleted", deletedDate: 10, scheduledPurgeDate: 20, recoveryId: "r" }),
    ]);
    expect(await s.keys.markRecovered("hsm-1", "alpha")).toBe(true);
    expect(await s.keys.purgeKey("hsm-1", "alpha")).toBe(true);
    expect(await s.keys.listVersions("hsm-1", "Alpha")).toEqual([]);
    expect(await s.keys.purgeKey("hsm-1", "alpha")).toBe(false);

    expect(await s.keys.insertSealedDomainSecret("hsm-1", new Uint8Array([9, 8]), 1)).toBe(true);
    expect(await s.keys.insertSealedDomainSecret("hsm-1", new Uint8Array([7]), 2)).toBe(false);
    expect(await s.keys.getSealedDomainSecret("hsm-1")).toEqual(new Uint8Array([9, 8]));
  });

  it("management: names and scopes ignore case, filters, upserts, purge empties the HSM's data plane", async () => {
    const s = await store();
    await s.management.putManagementGroup({ id: "Root", displayName: "root", parentId: undefined, createdAt: 1 });
    await s.management.putManagementGroup({ id: "root", displayName: "renamed", parentId: undefined, createdAt: 2 });
    expect(await s.management.listManagementGroups()).toEqual([{ id: "Root", displayName: "renamed", parentId: undefined, createdAt: 1 }]);
    await s.management.putSubscription({ id: "SUB-1", displayName: "one", managementGroupId: "ROOT", createdAt: 1 });
    await s.management.putResourceGroup({ subscriptionId: "sub-1", name: "RG", location: "westeurope", tags: {}, createdAt: 1 });
    expect((await s.management.getResourceGroup("Sub-1", "rg"))?.name).toBe("RG");

    await s.management.insertManagedHsm(hsm("One"));
    await s.management.insertManagedHsm(hsm("two", { deletedAt: 5, scheduledPurgeAt: 6 }));
    await expect(s.management.insertManagedHsm(hsm("ONE", { hsmId: "other" }))).rejects.toMatchObject({ code: "Conflict" });
    expect(await s.management.findManagedHsmByName("one")).toEqual(hsm("One"));
    expect((await s.management.listManagedHsms({ deleted: false })).map((h) => h.name)).toEqual(["One"]);
    expect((await s.management.listManagedHsms({ deleted: true, subscriptionId: "sub-1" })).map((h) => h.name)).toEqual(["two"]);
    expect(await s.management.listManagedHsms({ deleted: false, subscriptionId: "sub-1", resourceGroup: "other" })).toEqual([]);
    expect(await s.management.updateManagedHsm("id-One", { activation: "NotActivated", updatedAt: 9 })).toBe(true);
    expect(await s.management.getManagedHsm("id-One")).toMatchObject({ activation: "NotActivated", updatedAt: 9 });

    await s.keys.insertKey(key("k", { hsmId: "id-One" }));
    await s.rbac.insertRoleAssignment("id-One", { id: "/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" });
    expect(await s.management.purgeManagedHsm("id-One")).toBe(true);
    expect(await s.keys.listKeys("id-One", "active")).toEqual([]);
    expect(await s.rbac.listRoleAssignments("id-One")).toEqual([]);

    const account = {
      name: "Store1",
      subscriptionId: "SUB-1",
      resourceGroup: "RG",
      location: "w",
      sku: "Standard_LRS",
      kind: "StorageV2",
      tags: {},
      createdAt: 1,
    };
    await s.management.insertStorageAccount(account);
    await expect(s.management.insertStorageAccount({ ...account, name: "store1" })).rejects.toMatchObject({ code: "Conflict" });
    expect(await s.management.listStorageAccounts({ subscriptionId: "sub-1", resourceGroup: "rg" })).toEqual([account]);
    expect(await s.management.getStorageAccount("STORE1")).toEqual(account);

    const setting = {
      resourceId: "/R",
      name: "d",
      storageAccountId: "/s",
      logs: [{ category: "AuditEvent", enabled: true }],
      createdAt: 1,
      enabledAt: 2,
    };
    await s.management.putDiagnosticSetting(setting);
    await s.management.putDiagnosticSetting({ ...setting, resourceId: "/r", logs: [], createdAt: 5, enabledAt: 7 });
    // A replacement keeps the creation time and takes the new enabled time.
    expect(await s.management.listDiagnosticSettings()).toEqual([{ ...setting, logs: [], enabledAt: 7 }]);
    expect(await s.management.listDiagnosticSettings("/other")).toEqual([]);
    expect(await s.management.deleteDiagnosticSetting("/r", "D")).toBe(true);

    const assignment = { name: "A1", scope: "/", roleDefinitionId: "r", principalId: "p", createdAt: 1 };
    await s.management.insertRoleAssignment(assignment);
    await expect(s.management.insertRoleAssignment({ ...assignment, name: "a1" })).rejects.toMatchObject({ code: "Conflict" });
    await s.management.putOperation({
      id: "op",
      subscriptionId: "sub-1",
      resourceId: "/r",
      status: "InProgress",
      startedAt: 1,
      endedAt: undefined,
      error: undefined,
    });
    await s.management.putOperation({
      id: "op",
      subscriptionId: "sub-1",
      resourceId: "/r",
      status: "Failed",
      startedAt: 1,
      endedAt: 2,
      error: { code: "X", message: "m" },
    });
    expect(await s.management.getOperation("op")).toMatchObject({ status: "Failed", endedAt: 2, error: { code: "X", message: "m" } });
  });

  it("backup jobs: one in progress per HSM, finish once, fail those in progress", async () => {
    const s = await store();
    const job = jobInProgress("h", "backup", { id: "j1" });
    const lease = { holder: "node-1", leaseMs: 60_000 };
    await s.backupJobs.insert(job, lease);
    await expect(s.backupJobs.insert({ ...job, id: "j2" }, lease)).rejects.toMatchObject({
      code: "Conflict",
      message: "A backup or restore of this HSM is already in progress; wait for it to end.",
    });
    expect(await s.backupJobs.finish("j1", { status: "Succeeded", endedAt: 2 })).toBe(true);
    expect(await s.backupJobs.finish("j1", { status: "Failed", endedAt: 3 })).toBe(false);
    await s.backupJobs.insert({ ...job, id: "j2", kind: "selectiveKeyRestore", keyName: "k" }, lease);
    // A live lease of another node is left alone; the node that held it fails it when it starts again.
    expect(await s.backupJobs.failAbandoned(8, { code: "Unavailable", message: "gone" })).toEqual([]);
    expect(await s.backupJobs.failAbandoned(8, { code: "Unavailable", message: "gone" }, "node-2")).toEqual([]);
    const failed = await s.backupJobs.failAbandoned(9, { code: "Unavailable", message: "gone" }, "node-1");
    expect(failed.map((j) => [j.id, j.status])).toEqual([["j2", "Failed"]]);
    expect(await s.backupJobs.get("h", "j2")).toMatchObject({
      status: "Failed",
      endedAt: 9,
      keyName: "k",
      error: { code: "Unavailable", message: "gone" },
    });
  });

  it("security domain recovery, credentials and issuer keys keep what they were given", async () => {
    const s = await store();
    expect(await s.securityDomainRecovery.insertSealedTransferKey("h", new Uint8Array([1]), 1)).toBe(true);
    expect(await s.securityDomainRecovery.insertSealedTransferKey("h", new Uint8Array([2]), 1)).toBe(false);
    expect(await s.securityDomainRecovery.getSealedTransferKey("h")).toEqual(new Uint8Array([1]));
    await s.securityDomainRecovery.putUploadOutcome("h", { status: "InProgress", details: "", updatedAt: 1 });
    await s.securityDomainRecovery.putUploadOutcome("h", { status: "Success", details: "ok", updatedAt: 2 });
    expect(await s.securityDomainRecovery.getUploadOutcome("h")).toEqual({ status: "Success", details: "ok", updatedAt: 2 });
    expect(await s.securityDomainRecovery.replaceSealedDomainSecretIfNoKeys("h", new Uint8Array([3]), 3)).toBe(true);
    await s.keys.insertKey(key("k", { hsmId: "h" }));
    expect(await s.securityDomainRecovery.hasKeys("h")).toBe(true);
    expect(await s.securityDomainRecovery.replaceSealedDomainSecretIfNoKeys("h", new Uint8Array([4]), 4)).toBe(false);
    expect(await s.keys.getSealedDomainSecret("h")).toEqual(new Uint8Array([3]));

    await s.directory.insertTenant({ id: "t", name: "contoso", createdAt: 1 });
    await s.directory.insertPrincipal({
      id: "p",
      tenantId: "t",
      kind: "servicePrincipal",
      displayName: "app",
      userPrincipalName: null,
      appId: "app-1",
      enabled: true,
      passwordHash: null,
      createdAt: 1,
      updatedAt: 1,
    });
    const credential = {
      id: "c",
      principalId: "p",
      kind: "secret" as const,
      displayName: "s",
      secretHash: "h",
      certificatePem: null,
      thumbprint: null,
      startAt: 1,
      endAt: 1_900_000_000_000,
    };
    await s.credentials.insert(credential);
    expect(await s.credentials.listForPrincipal("p")).toEqual([credential]);
    expect(await s.directory.deletePrincipal("t", "p")).toBe(true);
    expect(await s.credentials.listForPrincipal("p")).toEqual([]);

    await s.issuerKeys.insert({ kid: "b", alg: "ES256", privateJwk: "{}", publicJwk: "{}", createdAt: 2 });
    await s.issuerKeys.insert({ kid: "a", alg: "ES256", privateJwk: "{}", publicJwk: "{}", createdAt: 1 });
    expect((await s.issuerKeys.list()).map((k) => k.kid)).toEqual(["a", "b"]);
  });

  describe("audit outbox (the store's half)", () => {
    it("a write that changed rows inside a call commits the call's record with it; one that changed none writes nothing", async () => {
      const s = await store();
      const change = pendingChange("c-1");
      await changeContext.run(change, () =>
        s.rbac.insertRoleAssignment("h", { id: "/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" }),
      );
      expect(change.id).toBeTypeOf("number");
      const idle = pendingChange("c-2");
      expect(await changeContext.run(idle, () => s.rbac.deleteRoleAssignment("h", "nothing"))).toBe(false);
      expect(idle.id).toBeUndefined();
      const rows = await s.auditOutbox.list("contoso-hsm", "node-1");
      expect(rows).toEqual([
        {
          id: change.id,
          journal: "contoso-hsm",
          nodeId: "node-1",
          event: JSON.stringify({ correlationId: "c-1", writes: 0 }),
          createdAt: expect.any(Number),
        },
      ]);
      expect(await s.auditOutbox.journals("node-1")).toEqual(["contoso-hsm"]);
      expect(await s.auditOutbox.journals("node-2")).toEqual([]);
    });

    it("a call that commits twice keeps one row, rewritten; a failed transaction leaves neither change nor record", async () => {
      const s = await store();
      const change = pendingChange("twice");
      await changeContext.run(change, async () => {
        await s.rbac.insertRoleAssignment("h", { id: "/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" });
        await s.transaction(async (tx) => {
          await tx.rbac.insertRoleAssignment("h", { id: "/b", name: "b", scope: "/", roleDefinitionId: "r", principalId: "p" });
          await tx.rbac.deleteRoleAssignment("h", "a");
        });
      });
      expect(change.attachedIds).toHaveLength(1);
      expect((await s.auditOutbox.list("contoso-hsm", "node-1")).map((row) => [row.id, JSON.parse(row.event)])).toEqual([
        [change.id, { correlationId: "twice", writes: 1 }],
      ]);

      const failing = pendingChange("failing");
      await expect(
        changeContext.run(failing, () =>
          s.transaction(async (tx) => {
            await tx.rbac.insertRoleAssignment("h", { id: "/c", name: "c", scope: "/", roleDefinitionId: "r", principalId: "p" });
            throw new Error("abort");
          }),
        ),
      ).rejects.toThrow("abort");
      expect(failing.id).toBeUndefined();
      expect(await s.rbac.getRoleAssignment("h", "c")).toBeUndefined();

      const closed = { ...pendingChange("closed"), open: false };
      await changeContext.run(closed, () =>
        s.rbac.insertRoleAssignment("h", { id: "/d", name: "d", scope: "/", roleDefinitionId: "r", principalId: "p" }),
      );
      expect(closed.id).toBeUndefined();
      expect(await s.auditOutbox.list("contoso-hsm", "node-1")).toHaveLength(1);

      await s.auditOutbox.rewrite(change.id!, '{"rewritten":true}');
      expect((await s.auditOutbox.list("contoso-hsm", "node-1"))[0]?.event).toBe('{"rewritten":true}');
      await s.auditOutbox.remove([change.id!]);
      expect(await s.auditOutbox.list("contoso-hsm", "node-1")).toEqual([]);
    });

    it("a conflict inside a transaction is the caller's to handle; the transaction goes on and commits the rest", async () => {
      const s = await store();
      await s.rbac.insertRoleAssignment("h", { id: "/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" });
      await s.transaction(async (tx) => {
        await expect(
          tx.rbac.insertRoleAssignment("h", { id: "/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" }),
        ).rejects.toMatchObject({ code: "Conflict" });
        await tx.rbac.insertRoleAssignment("h", { id: "/b", name: "b", scope: "/", roleDefinitionId: "r", principalId: "p" });
      });
      expect((await s.rbac.listRoleAssignments("h")).map((a) => a.name)).toEqual(["a", "b"]);
    });
  });
});
