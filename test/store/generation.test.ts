/**
 * The data plane caches the HSM record and the key version each call names, keyed by the store's generation.
 * These tests open two stores on one data dir or database (two processes or two nodes, in effect) and check that a
 * change made through one is seen by the other's caches on the next call; they run against both implementations.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { KeyService, type KeyHsm } from "../../src/hsm/keys/key-service.js";
import { domainKeysFrom, HsmDomains, sealDomainSecret } from "../../src/hsm/keys/domain.js";
import { openNodeSeal } from "../../src/hsm/keys/seal.js";
import { StoreHsmRegistry } from "../../src/management/store-hsm-registry.js";
import { loadConfig } from "../../src/config/index.js";
import { hsmRuntime } from "../../src/server/hsm-bootstrap.js";
import type { HsmRuntime } from "../../src/pipeline/hsm-registry.js";
import type { Store } from "../../src/store/index.js";
import { keyRecord } from "../helpers/key-records.js";
import { managedHsmRecord } from "../helpers/managed-hsm-record.js";
import { STORE_KINDS } from "./store-kinds.js";
import { jobInProgress } from "../helpers/backup-job-record.js";

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

/** An HSM declared in configuration (`hsms: [{ name: configured }]`), Activated at start. */
const CONFIGURED = hsmRuntime(
  loadConfig({ overrides: { hsms: [{ name: "configured", initialAdminObjectIds: ["admin"] }] } }).hsms[0]!,
  "t",
  "configured.test",
);

const opened: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** `store` with its reads of sealed domain secrets counted. */
function countingSecretReads(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const keys = {
    ...store.keys,
    getSealedDomainSecret: (hsmId: string) => {
      reads++;
      return store.keys.getSealedDomainSecret(hsmId);
    },
  };
  return { store: { ...store, keys }, reads: () => reads };
}

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
    await b.management.insertManagedHsm(managedHsmRecord("managed", { hsmId: "managed-1" }));
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

  it("an HSM left Restoring with no job in progress is served again; one whose restore is in progress keeps its mark", async () => {
    const [a, b] = await twoStores();
    const registry = new StoreHsmRegistry({ store: a, configured: [CONFIGURED] });
    // The restore of `orphan` and of the configured HSM ended, but their nodes could not lift the mark (store down).
    await b.management.insertManagedHsm(managedHsmRecord("orphan", { hsmId: "managed-orphan", activation: "Restoring" }));
    await b.management.putConfiguredHsmActivation(CONFIGURED.id, "Restoring", 1);
    // `busy` is being restored right now: its job is in progress.
    await b.management.insertManagedHsm(managedHsmRecord("busy", { hsmId: "managed-busy", activation: "Restoring" }));
    await b.backupJobs.insert(jobInProgress("managed-busy", "restore"), { holder: "node-b", leaseMs: 60_000 });
    expect((await registry.resolve(CONFIGURED.name)).activation).toBe("Restoring");

    expect((await a.backupJobs.liftOrphanedRestoring(5)).sort()).toEqual([CONFIGURED.id, "managed-orphan"].sort());
    expect((await registry.resolve("orphan")).activation).toBe("Activated");
    expect((await registry.resolve(CONFIGURED.name)).activation).toBe("Activated");
    expect((await registry.resolve("busy")).activation).toBe("Restoring");
    expect(await b.backupJobs.liftOrphanedRestoring(6)).toEqual([]);
  });

  it("keeps a configured HSM's activation: none until stored, then replaced, each change moving the generation", async () => {
    const [a, b] = await twoStores();
    expect(await a.management.getConfiguredHsmActivation(CONFIGURED.id)).toBeUndefined();
    const before = await a.generation();
    await b.management.putConfiguredHsmActivation(CONFIGURED.id, "Restoring", 1);
    expect(await a.management.getConfiguredHsmActivation(CONFIGURED.id)).toBe("Restoring");
    const afterPut = await a.generation();
    expect(afterPut).toBeGreaterThan(before);
    await b.management.putConfiguredHsmActivation(CONFIGURED.id, "Activated", 2);
    expect(await a.management.getConfiguredHsmActivation(CONFIGURED.id)).toBe("Activated");
    expect(await a.generation()).toBeGreaterThan(afterPut);
    expect(await a.management.getConfiguredHsmActivation("configured-2")).toBeUndefined();
  });

  it("a configured HSM put into Restoring through one connection's registry is Restoring on the other's next call", async () => {
    const [a, b] = await twoStores();
    const registryA = new StoreHsmRegistry({ store: a, configured: [CONFIGURED] });
    const registryB = new StoreHsmRegistry({ store: b, configured: [CONFIGURED] });
    // Warm: B has resolved the HSM (Activated, as configured) before A's change.
    expect(await registryB.resolve("configured")).toBe(CONFIGURED);
    await registryA.setRestoring(CONFIGURED.id, true);
    expect((await registryB.resolve("configured")).activation).toBe("Restoring");
    expect((await registryB.list()).map((hsm) => [hsm.name, hsm.activation])).toEqual([["configured", "Restoring"]]);
    expect((await registryB.resolve(undefined)).activation).toBe("Restoring");
    // Lifted through B (as a node that fails the dead node's job does): served again on A.
    await registryB.setRestoring(CONFIGURED.id, false);
    expect((await registryA.resolve("configured")).activation).toBe("Activated");
    // An activation of a configured HSM that was not activated (security domain download or upload) reaches B too.
    const fresh: HsmRuntime = { ...CONFIGURED, id: "configured-2", name: "fresh", activation: "NotActivated" };
    for (const registry of [registryA, registryB]) registry.putConfigured(fresh);
    expect((await registryB.resolve("fresh")).activation).toBe("NotActivated");
    await registryA.markActivated("configured-2");
    expect((await registryB.resolve("fresh")).activation).toBe("Activated");
  });

  it("a domain secret replaced through another connection is the one HsmDomains serves next, read only when the generation moved", async () => {
    const [a, b] = await twoStores();
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-domains-"));
    dirs.push(dataDir);
    const seal = openNodeSeal({ dataDir, passphrase: undefined });
    const counted = countingSecretReads(a);
    const domains = new HsmDomains(counted.store, seal);
    // PostgreSQL announces each commit to every listening node, this one too, whenever the announcement arrives; each
    // empties the cache once (SQLite announces nothing).
    let hints = 0;
    a.onGenerationHint(() => hints++);
    const first = await domains.get(HSM.id);
    const hintsBefore = hints;
    // Making the secret moved the generation: the next get reads it again, and keeps the keys derived from the same bytes.
    expect(await domains.get(HSM.id)).toBe(first);
    // Nothing changed since: the cached keys are served without reading the secret again, but after an announcement.
    const readsWarm = counted.reads();
    for (let i = 0; i < 10; i++) expect(await domains.get(HSM.id)).toBe(first);
    expect(counted.reads() - readsWarm).toBeLessThanOrEqual(hints - hintsBefore);

    // B replaces the secret (a security domain upload through another node).
    const uploaded = randomBytes(32);
    const before = await a.generation();
    expect(await b.securityDomainRecovery.replaceSealedDomainSecretIfNoKeys(HSM.id, sealDomainSecret(seal, HSM.id, uploaded), 1)).toBe(
      true,
    );
    expect(await a.generation()).toBeGreaterThan(before);
    const replaced = await domains.get(HSM.id);
    expect(Buffer.from(replaced.fingerprint)).toEqual(Buffer.from(domainKeysFrom(HSM.id, uploaded).fingerprint));
    expect(Buffer.from(replaced.atRestKey)).not.toEqual(Buffer.from(first.atRestKey));

    // Another change moves the generation: the secret is read again, and the same bytes keep the same keys.
    await insertEcKey(b);
    const readsBefore = counted.reads();
    expect(await domains.get(HSM.id)).toBe(replaced);
    expect(counted.reads()).toBeGreaterThan(readsBefore);
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
