/** Versions, updates and attribute enforcement, paging, soft delete, recover, purge, backup and restore. */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeletedKeyBundle, KeyBundle, KeyItem } from "../../../src/hsm/keys/index.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";
import { expectFailure, keyFixture, versionOf, type KeyFixture } from "./helpers.js";

let f: KeyFixture;
beforeAll(async () => {
  f = await keyFixture();
});
afterAll(async () => {
  await f?.close();
});

const DAY_MS = 86_400_000;
const digest = new Uint8Array(createHash("sha256").update("lifecycle").digest());
const sign = (name: string, version?: string) =>
  f.call<{ kid: string; signature: Uint8Array }>("KeySign", { name, version, algorithm: "ES256", digest });

describe("versions", () => {
  it("adds a version for each create or import of a name; get without version is the latest", async () => {
    const first = await f.call<KeyBundle>("KeyCreate", { name: "versioned", kty: "EC", crv: "P-256" });
    const second = await f.call<KeyBundle>("KeyImport", { name: "Versioned", key: EC_FIXTURES["P-256"] });
    expect(versionOf(first.kid)).not.toBe(versionOf(second.kid));
    expect(second.kid).toContain("/keys/versioned/");
    expect((await f.call<KeyBundle>("KeyGet", { name: "VERSIONED" })).kid).toBe(second.kid);
    const older = await f.call<KeyBundle>("KeyGet", { name: "versioned", version: versionOf(first.kid) });
    expect(older.key.x).toBe(first.key.x);
    expect((await sign("versioned", versionOf(first.kid))).kid).toBe(first.kid);
    expect((await sign("versioned")).kid).toBe(second.kid);
    const versions = await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "versioned" });
    expect(versions.items.map((v) => v.kid)).toEqual([first.kid, second.kid]);
    await expectFailure(f.call("KeyGet", { name: "versioned", version: "0".repeat(32) }), "KeyNotFound");
    await expectFailure(f.call("KeyGet", { name: "never-made" }), "KeyNotFound");
  });

  it("moves the store generation with every change, so the cached version a crypto call uses is never stale", async () => {
    const seen = [await f.keyStore.generation()];
    await f.call("KeyCreate", { name: "moving", kty: "oct" });
    seen.push(await f.keyStore.generation());
    await f.call("KeyUpdate", { name: "moving", attributes: { enabled: false } });
    seen.push(await f.keyStore.generation());
    await expectFailure(
      f.call("KeyEncrypt", { name: "moving", algorithm: "A256GCM", plaintext: new Uint8Array(4) }),
      "OperationNotAllowed",
    );
    await f.call("KeyDelete", { name: "moving" });
    seen.push(await f.keyStore.generation());
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it("keeps at most 100 versions of a key", async () => {
    for (let i = 0; i < 100; i++) await f.call("KeyCreate", { name: "full", kty: "oct-HSM", keySize: 128 });
    const error = await expectFailure(f.call("KeyCreate", { name: "full", kty: "oct-HSM" }), "OperationNotAllowed");
    expect(error.message).toContain("100 versions");
  });
});

describe("update and attribute enforcement", () => {
  let kid: string;
  beforeAll(async () => {
    kid = (await f.call<KeyBundle>("KeyImport", { name: "guarded", key: EC_FIXTURES["P-256"], tags: { team: "a" } })).kid;
  });

  it("disabling refuses crypto with FAILED_PRECONDITION naming the reason; re-enabling works", async () => {
    const disabled = await f.call<KeyBundle>("KeyUpdate", { name: "guarded", attributes: { enabled: false } });
    expect(disabled.attributes.enabled).toBe(false);
    expect(disabled.tags).toEqual({ team: "a" });
    expect((await expectFailure(sign("guarded"), "OperationNotAllowed")).message).toContain("disabled");
    await f.call("KeyUpdate", { name: "guarded", version: versionOf(kid), attributes: { enabled: true } });
    expect((await sign("guarded")).kid).toBe(kid);
  });

  it("an exp in the past or an nbf in the future refuses crypto", async () => {
    const now = Math.floor(f.clock.now / 1000);
    await f.call("KeyUpdate", { name: "guarded", attributes: { exp: now - 10 } });
    expect((await expectFailure(sign("guarded"), "OperationNotAllowed")).message).toContain("expired");
    await f.call("KeyUpdate", { name: "guarded", attributes: { exp: now + 3600 } });
    expect((await sign("guarded")).kid).toBe(kid);
    await f.call("KeyUpdate", { name: "guarded", attributes: { nbf: now + 60 } });
    expect((await expectFailure(sign("guarded"), "OperationNotAllowed")).message).toContain("not valid before");
    f.clock.now += 120_000;
    expect((await sign("guarded")).kid).toBe(kid);
    await expectFailure(f.call("KeyUpdate", { name: "guarded", attributes: { exp: now + 1 } }), "BadParameter", "attributes.exp");
  });

  it("key_ops without sign refuses sign but still verifies; tags are replaced when present", async () => {
    const { signature } = await sign("guarded");
    const updated = await f.call<KeyBundle>("KeyUpdate", {
      name: "guarded",
      keyOps: { values: ["verify"] },
      tags: { values: { team: "b", env: "test" } },
    });
    expect(updated.key.key_ops).toEqual(["verify"]);
    expect(updated.tags).toEqual({ team: "b", env: "test" });
    expect((await expectFailure(sign("guarded"), "OperationNotAllowed")).message).toContain("'sign'");
    expect((await f.call<{ valid: boolean }>("KeyVerify", { name: "guarded", algorithm: "ES256", digest, signature })).valid).toBe(true);
    await expectFailure(f.call("KeyUpdate", { name: "guarded", keyOps: { values: ["encrypt"] } }), "BadParameter", "key_ops.values");
    const untouched = await f.call<KeyBundle>("KeyUpdate", { name: "guarded" });
    expect(untouched.tags).toEqual({ team: "b", env: "test" });
    expect(untouched.key.key_ops).toEqual(["verify"]);
    expect((await f.call<KeyBundle>("KeyUpdate", { name: "guarded", tags: { values: {} } })).tags).toEqual({});
  });

  it("a symmetric key disabled after use is refused at once (the opened-key cache is evicted)", async () => {
    await f.call("KeyCreate", { name: "cached-oct", kty: "oct" });
    await f.call("KeyWrap", { name: "cached-oct", algorithm: "A256KW", key: new Uint8Array(16) });
    expect(f.keys.openedKeys.openCount).toBeGreaterThan(0);
    const before = f.keys.openedKeys.openCount;
    await f.call("KeyUpdate", { name: "cached-oct", attributes: { enabled: false } });
    expect(f.keys.openedKeys.openCount).toBe(before - 1);
    await expectFailure(f.call("KeyWrap", { name: "cached-oct", algorithm: "A256KW", key: new Uint8Array(16) }), "OperationNotAllowed");
  });
});

describe("listing", () => {
  it("pages keys by name with page tokens, without key material", async () => {
    for (let i = 0; i < 5; i++) await f.call("KeyCreate", { name: `paged-${i}`, kty: "oct" });
    const seen: string[] = [];
    let token = "";
    for (let pages = 0; pages < 100; pages++) {
      const result = await f.call<{ items: KeyItem[]; nextPageToken: string }>("KeyList", { pageSize: 2, pageToken: token });
      expect(result.items.length).toBeLessThanOrEqual(2);
      for (const item of result.items) {
        expect(Object.keys(item).sort()).toEqual(["attributes", "kid", "managed", "tags"]);
        seen.push(item.kid.split("/")[4]!);
      }
      token = result.nextPageToken;
      if (token === "") break;
    }
    expect(seen.filter((n) => n.startsWith("paged-"))).toEqual(["paged-0", "paged-1", "paged-2", "paged-3", "paged-4"]);
    expect(new Set(seen).size).toBe(seen.length);
    await expectFailure(f.call("KeyList", { pageSize: 1001 }), "BadParameter", "page_size");
    await expectFailure(f.call("KeyList", { pageToken: "garbage" }), "BadParameter", "page_token");
  });
});

describe("soft delete, recover and purge", () => {
  it("a deleted name refuses reuse until recovered; the recovered key works again", async () => {
    const created = await f.call<KeyBundle>("KeyImport", { name: "soft", key: EC_FIXTURES["P-384"] });
    const deleted = await f.call<DeletedKeyBundle>("KeyDelete", { name: "soft" });
    const now = Math.floor(f.clock.now / 1000);
    expect(deleted).toMatchObject({
      recoveryId: "https://contoso-hsm.managedhsm.keyhold.test/deletedkeys/soft",
      deletedDate: now,
      scheduledPurgeDate: now + 90 * 86_400,
    });
    expect(deleted.key.kid).toBe(created.kid);
    await expectFailure(f.call("KeyGet", { name: "soft" }), "KeyNotFound");
    await expectFailure(f.call("KeySign", { name: "soft", algorithm: "ES384", digest: new Uint8Array(48) }), "KeyNotFound");
    await expectFailure(f.call("KeyCreate", { name: "SOFT", kty: "EC" }), "ObjectIsDeletedButRecoverable");
    await expectFailure(f.call("KeyImport", { name: "soft", key: EC_FIXTURES["P-256"] }), "ObjectIsDeletedButRecoverable");
    expect((await f.call<DeletedKeyBundle>("KeyGetDeleted", { name: "soft" })).recoveryId).toBe(deleted.recoveryId);
    const listed = await f.call<{ items: DeletedKeyBundle<KeyItem>[] }>("KeyListDeleted", {});
    expect(listed.items.map((d) => d.key.kid)).toContain(created.kid);
    const recovered = await f.call<KeyBundle>("KeyRecover", { name: "soft" });
    expect(recovered.kid).toBe(created.kid);
    const { signature } = await f.call<{ signature: Uint8Array }>("KeySign", {
      name: "soft",
      algorithm: "ES384",
      digest: new Uint8Array(48),
    });
    expect(signature.length).toBe(96);
    await expectFailure(f.call("KeyGetDeleted", { name: "soft" }), "KeyNotFound");
    await expectFailure(f.call("KeyRecover", { name: "soft" }), "KeyNotFound");
  });

  it("purges without purge protection; the name is free again", async () => {
    await f.call("KeyCreate", { name: "purgeable", kty: "oct" });
    await expectFailure(f.call("KeyPurge", { name: "purgeable" }), "KeyNotFound");
    await f.call("KeyDelete", { name: "purgeable" });
    await f.call("KeyPurge", { name: "purgeable" });
    await expectFailure(f.call("KeyGetDeleted", { name: "purgeable" }), "KeyNotFound");
    const again = await f.call<KeyBundle>("KeyCreate", { name: "purgeable", kty: "oct" });
    expect((await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "purgeable" })).items.map((i) => i.kid)).toEqual([again.kid]);
  });

  it("with purge protection, purge is refused until the retention has passed", async () => {
    const protectedHsm = await f.addHsm("protected-hsm", { enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
    const created = await f.call<KeyBundle>("KeyCreate", { name: "kept", kty: "oct" }, protectedHsm.name);
    expect(created.attributes).toMatchObject({ recoveryLevel: "CustomizedRecoverable", recoverableDays: 7 });
    await f.call("KeyDelete", { name: "kept" }, protectedHsm.name);
    const error = await expectFailure(f.call("KeyPurge", { name: "kept" }, protectedHsm.name), "OperationNotAllowed");
    expect(error.message).toContain("Purge protection");
    f.clock.now += 7 * DAY_MS;
    await f.call("KeyPurge", { name: "kept" }, protectedHsm.name);
    await expectFailure(f.call("KeyGetDeleted", { name: "kept" }, protectedHsm.name), "KeyNotFound");
  });

  it("the sweeper purges deleted keys whose retention has passed", async () => {
    await f.call("KeyCreate", { name: "swept", kty: "oct" });
    await f.call("KeyDelete", { name: "swept" });
    expect(await f.keys.service.purgeExpired()).toEqual([]);
    f.clock.now += 90 * DAY_MS;
    const purged = await f.keys.service.purgeExpired();
    expect(purged).toContainEqual({ hsmId: f.core.hsm.id, name: "swept" });
    await expectFailure(f.call("KeyGetDeleted", { name: "swept" }), "KeyNotFound");
  });
});

describe("backup and restore", () => {
  it("round-trips every version, attribute, tag and kid into the same HSM after purge", async () => {
    const v1 = await f.call<KeyBundle>("KeyImport", { name: "backed", key: RSA_FIXTURES[2048], tags: { a: "1" } });
    const v2 = await f.call<KeyBundle>("KeyImport", { name: "backed", key: EC_FIXTURES["P-521"], attributes: { enabled: false } });
    await f.call("KeyRotationPolicySet", { name: "backed", policy: { lifetimeActions: [{ timeAfterCreate: "P90D", action: "Rotate" }] } });
    const { value } = await f.call<{ value: Uint8Array }>("KeyBackup", { name: "backed" });
    await expectFailure(f.call("KeyRestore", { value }), "Conflict");
    await f.call("KeyDelete", { name: "backed" });
    await expectFailure(f.call("KeyRestore", { value }), "ObjectIsDeletedButRecoverable");
    await f.call("KeyPurge", { name: "backed" });
    const restored = await f.call<KeyBundle>("KeyRestore", { value });
    expect(restored).toEqual(v2);
    const versions = await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "backed" });
    expect(versions.items.map((i) => i.kid)).toEqual([v1.kid, v2.kid]);
    expect(versions.items[0]!.tags).toEqual({ a: "1" });
    const rsaDigest = new Uint8Array(32);
    const { kid } = await f.call<{ kid: string }>("KeySign", {
      name: "backed",
      version: versionOf(v1.kid),
      algorithm: "PS256",
      digest: rsaDigest,
    });
    expect(kid).toBe(v1.kid);
    const policy = await f.call<{ lifetimeActions: unknown[] }>("KeyRotationPolicyGet", { name: "backed" });
    expect(policy.lifetimeActions).toEqual([{ timeAfterCreate: "P90D", action: "Rotate" }]);
  });

  it("refuses a blob into an HSM with another security domain, and a blob with a flipped byte", async () => {
    await f.call("KeyCreate", { name: "domain-bound", kty: "oct" });
    const { value } = await f.call<{ value: Uint8Array }>("KeyBackup", { name: "domain-bound" });
    const other = await f.addHsm("other-domain-hsm");
    const foreign = await expectFailure(f.call("KeyRestore", { value }, other.name), "BadParameter", "value");
    expect(foreign.message).toContain("the backup belongs to another security domain");
    await f.call("KeyDelete", { name: "domain-bound" });
    await f.call("KeyPurge", { name: "domain-bound" });
    for (const position of [0, 6, 30, value.length - 1]) {
      const flipped = new Uint8Array(value);
      flipped[position]! ^= 0x01;
      await expectFailure(f.call("KeyRestore", { value: flipped }), "BadParameter", "value");
    }
    await expectFailure(f.call("KeyRestore", { value: value.subarray(0, 40) }), "BadParameter", "value");
    expect((await f.call<KeyBundle>("KeyRestore", { value })).kid).toContain("/keys/domain-bound/");
  });
});

describe("random bytes", () => {
  it("needs rng/action, which no built-in role grants; with a custom role returns 1 to 128 random bytes", async () => {
    await expectFailure(f.call("RandomBytes", { count: 16 }), "ForbiddenByRbac");
    const admin = f.core.meta(await f.core.token(f.core.admin));
    const roleDefinition = { roleName: "Random bytes", permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/rng/action"] }] };
    const definition = (await f.core.pipeline.dispatch(
      f.core.table.get("RoleDefinitionSet")!,
      { scope: "/", name: randomUUID(), roleDefinition },
      admin,
    )) as { id: string };
    await f.core.pipeline.dispatch(
      f.core.table.get("RoleAssignmentCreate")!,
      { scope: "/", roleDefinitionId: definition.id, principalId: f.user.id },
      admin,
    );
    const a = await f.call<{ value: Uint8Array }>("RandomBytes", { count: 128 });
    const b = await f.call<{ value: Uint8Array }>("RandomBytes", { count: 128 });
    expect(a.value.length).toBe(128);
    expect(a.value).not.toEqual(b.value);
    expect((await f.call<{ value: Uint8Array }>("RandomBytes", { count: 1 })).value.length).toBe(1);
    await expectFailure(f.call("RandomBytes", { count: 0 }), "BadParameter", "count");
    await expectFailure(f.call("RandomBytes", { count: 129 }), "BadParameter", "count");
  });
});
