import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackupJobView } from "../../../src/hsm/backup/index.js";
import type { KeyBundle } from "../../../src/hsm/keys/index.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";
import { expectFailure, versionOf } from "../keys/helpers.js";
import { ACCOUNT, backupFixture, CONTAINER, contentsOf, type BackupFixture } from "./helpers.js";

const digest = new Uint8Array(createHash("sha256").update("backup").digest());
const POLICY = { lifetimeActions: [{ timeAfterCreate: "P90D", action: "Rotate" }], expiryTime: "P1Y" };
const CUSTOM_ROLE = {
  id: "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/6a3f2b1e-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
  name: "6a3f2b1e-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
  roleName: "Key reader",
  description: "reads keys",
  type: "CustomRole" as const,
  permissions: [{ actions: [], notActions: [], dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"], notDataActions: [] }],
  assignableScopes: ["/"],
};

let f: BackupFixture;
beforeEach(async () => {
  f = await backupFixture();
});
afterEach(async () => {
  await f.close();
});

/** Keys of several types and versions, a rotation policy, tags, a deleted key, a custom role and its assignment. */
async function populate(): Promise<{ signature: Uint8Array; kid: string }> {
  const first = await f.call<KeyBundle>("KeyCreate", { name: "signer", kty: "EC", crv: "P-256", tags: { team: "a" } });
  const signature = (await f.call<{ signature: Uint8Array }>("KeySign", { name: "signer", algorithm: "ES256", digest })).signature;
  await f.call("KeyRotate", { name: "signer" });
  await f.call("KeyImport", { name: "imported-rsa", key: RSA_FIXTURES[2048] });
  await f.call("KeyCreate", { name: "aes", kty: "oct-HSM", keySize: 256 });
  await f.call("KeyRotationPolicySet", { name: "aes", policy: POLICY });
  await f.call("KeyImport", { name: "gone", key: EC_FIXTURES["P-384"] });
  await f.call("KeyDelete", { name: "gone" });
  await f.store.rbac.putRoleDefinition(f.core.hsm.id, CUSTOM_ROLE);
  await f.store.rbac.insertRoleAssignment(f.core.hsm.id, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/keys/signer",
    roleDefinitionId: CUSTOM_ROLE.id,
    principalId: f.cryptoUser.id,
  });
  return { signature, kid: first.kid };
}

async function backup(hsm?: string): Promise<BackupJobView> {
  const job = await f.run("BackupStart", {}, hsm);
  expect(job).toMatchObject({ status: "Succeeded", error: undefined });
  return job;
}

async function folderFiles(folder: string): Promise<string[]> {
  return (await readdir(join(f.blobs.root, ACCOUNT, CONTAINER, folder))).sort();
}

describe("full backup and restore", () => {
  it("writes mhsm-<name>-<time> with a manifest and never a private key in the clear", async () => {
    await populate();
    const job = await backup();
    expect(job.folder).toMatch(/^mhsm-contoso-hsm-\d{14}$/);
    expect(job.endTime).toBeGreaterThanOrEqual(job.startTime);
    expect(await folderFiles(job.folder)).toEqual(["keys-00001.bin", "manifest.json", "roles.bin"]);
    const bytes = Buffer.concat(
      await Promise.all((await folderFiles(job.folder)).map((name) => readFile(join(f.blobs.root, ACCOUNT, CONTAINER, job.folder, name)))),
    );
    for (const secret of [RSA_FIXTURES[2048].d, RSA_FIXTURES[2048].p, EC_FIXTURES["P-384"].d])
      expect(bytes.includes(String(secret))).toBe(false);
    expect(bytes.includes("signer")).toBe(false);
  });

  it("keeps serving while a backup runs, and backs up the contents as of its start", async () => {
    await populate();
    const release = f.holdStorage();
    const started = await f.call<BackupJobView>("BackupStart", { storageAccount: ACCOUNT, container: CONTAINER }, { as: f.backupUser });
    await f.call("KeyCreate", { name: "during-backup", kty: "EC", crv: "P-256" });
    await f.call("KeyDelete", { name: "aes" });
    expect(await f.call<BackupJobView>("BackupStatus", { jobId: started.jobId }, { as: f.backupUser })).toMatchObject({
      status: "InProgress",
      endTime: 0,
    });
    release();
    await f.jobs.settled(started.jobId);
    expect(await f.call<BackupJobView>("BackupStatus", { jobId: started.jobId }, { as: f.backupUser })).toMatchObject({
      status: "Succeeded",
    });

    expect(await f.run("RestoreStart", { folder: started.folder })).toMatchObject({ status: "Succeeded" });
    await expectFailure(f.call("KeyGet", { name: "during-backup" }), "KeyNotFound");
    expect((await f.call<KeyBundle>("KeyGet", { name: "aes" })).kid).toContain("/keys/aes/");
  });

  it("restores every key, version, deleted key, policy and role into the same HSM; old signatures verify", async () => {
    const { signature, kid } = await populate();
    const before = await contentsOf(f.store, f.core.hsm.id);
    const latestAtBackup = (await f.call<KeyBundle>("KeyGet", { name: "signer" })).kid;
    const job = await backup();

    await f.call("KeyDelete", { name: "imported-rsa" });
    await f.call("KeyPurge", { name: "imported-rsa" });
    await f.call("KeyPurge", { name: "gone" });
    await f.call("KeyRotate", { name: "signer" });
    await f.call("KeyCreate", { name: "after-backup", kty: "EC", crv: "P-256" });
    const custom = (await f.store.rbac.listRoleAssignments(f.core.hsm.id)).find((a) => a.roleDefinitionId === CUSTOM_ROLE.id)!;
    await f.store.rbac.deleteRoleAssignment(f.core.hsm.id, custom.name);
    await f.store.rbac.deleteRoleDefinition(f.core.hsm.id, CUSTOM_ROLE.name);

    const restored = await f.run("RestoreStart", { folder: job.folder });
    expect(restored).toMatchObject({ status: "Succeeded", folder: job.folder });
    expect(await contentsOf(f.store, f.core.hsm.id)).toEqual(before);
    expect((await f.call<KeyBundle>("KeyGet", { name: "signer", version: versionOf(kid) })).kid).toBe(kid);
    expect(
      (await f.call<{ valid: boolean }>("KeyVerify", { name: "signer", version: versionOf(kid), algorithm: "ES256", digest, signature }))
        .valid,
    ).toBe(true);
    // The rotation made after the backup is gone: the latest version is the backup's again.
    expect((await f.call<KeyBundle>("KeyGet", { name: "signer" })).kid).toBe(latestAtBackup);
    await expectFailure(f.call("KeyGet", { name: "after-backup" }), "KeyNotFound");
    expect((await f.call<{ recoveryId: string }>("KeyGetDeleted", { name: "gone" })).recoveryId).toContain("/deletedkeys/gone");
    expect(await f.hsm(f.core.hsm.name)).toMatchObject({ activation: "Activated" });
  });

  it("restores into another HSM holding the same security domain, and refuses one of another domain", async () => {
    const { signature, kid } = await populate();
    const job = await backup();
    const twin = await f.addHsm("twin-hsm");
    // The sealed secret is bound to its HSM id, so the twin gets the same secret sealed for itself.
    const aad = (id: string) => new TextEncoder().encode(`keyhold/v1/domain-secret\n${id}`);
    const secret = f.seal.open((await f.store.keys.getSealedDomainSecret(f.core.hsm.id))!, aad(f.core.hsm.id))!;
    await f.store.keys.insertSealedDomainSecret(twin.id, f.seal.seal(secret, aad(twin.id)), 0);
    const stranger = await f.addHsm("stranger-hsm");
    await f.call("KeyCreate", { name: "stranger-key", kty: "EC", crv: "P-256" }, { hsm: stranger.name });
    const strangerBefore = await contentsOf(f.store, stranger.id);

    expect(await f.run("RestoreStart", { folder: job.folder }, twin.name)).toMatchObject({ status: "Succeeded" });
    const moved = await f.call<KeyBundle>("KeyGet", { name: "signer", version: versionOf(kid) }, { hsm: twin.name });
    expect(moved.kid).toBe(`https://twin-hsm.managedhsm.keyhold.test/keys/signer/${versionOf(kid)}`);
    expect(
      (
        await f.call<{ valid: boolean }>(
          "KeyVerify",
          { name: "signer", version: versionOf(kid), algorithm: "ES256", digest, signature },
          { hsm: twin.name },
        )
      ).valid,
    ).toBe(true);
    expect((await f.store.rbac.listRoleAssignments(twin.id)).map((a) => a.roleDefinitionId)).toContain(CUSTOM_ROLE.id);

    const refused = await f.run("RestoreStart", { folder: job.folder }, stranger.name);
    expect(refused).toMatchObject({ status: "Failed", error: { code: "BadParameter" } });
    expect(refused.error?.message).toContain("another security domain");
    expect(await contentsOf(f.store, stranger.id)).toEqual(strangerBefore);
  });

  it("refuses a folder with a changed, missing or extra file and changes nothing", async () => {
    await populate();
    const job = await backup();
    await f.call("KeyCreate", { name: "after-backup", kty: "EC", crv: "P-256" });
    const before = await contentsOf(f.store, f.core.hsm.id);
    const dir = join(f.blobs.root, ACCOUNT, CONTAINER, job.folder);
    const keysFile = join(dir, "keys-00001.bin");
    const original = await readFile(keysFile);
    const { writeFile, rm } = await import("node:fs/promises");

    const changed = Buffer.from(original);
    changed[changed.length - 1]! ^= 1;
    await writeFile(keysFile, changed);
    expect((await f.run("RestoreStart", { folder: job.folder })).error?.message).toContain("keys-00001.bin was changed");

    await rm(keysFile);
    expect((await f.run("RestoreStart", { folder: job.folder })).error?.message).toContain("missing (keys-00001.bin)");
    await writeFile(keysFile, original);

    await writeFile(join(dir, "extra.bin"), "x");
    expect((await f.run("RestoreStart", { folder: job.folder })).error?.message).toContain("not in its manifest (extra.bin)");
    await rm(join(dir, "extra.bin"));

    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { body: string; mac: string };
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({ ...manifest, body: manifest.body.replace('"keyCount":4', '"keyCount":3') }),
    );
    expect((await f.run("RestoreStart", { folder: job.folder })).error?.message).toContain("manifest failed its integrity check");

    expect((await f.run("RestoreStart", { folder: "mhsm-contoso-hsm-19990101000000" })).error?.message).toContain("holds no manifest");
    expect(await contentsOf(f.store, f.core.hsm.id)).toEqual(before);
  });

  it("restores one purged key with all its versions, only while its name is free", async () => {
    const { kid } = await populate();
    const job = await backup();
    const versions = (await f.call<{ items: KeyBundle[] }>("KeyListVersions", { name: "signer" })).items.map((k) => k.kid);
    await f.call("KeyDelete", { name: "signer" });
    const deleted = await f.run("SelectiveKeyRestoreStart", { folder: job.folder, keyName: "signer" });
    expect(deleted).toMatchObject({ status: "Failed", error: { code: "ObjectIsDeletedButRecoverable" } });
    await f.call("KeyPurge", { name: "signer" });

    expect(await f.run("SelectiveKeyRestoreStart", { folder: job.folder, keyName: "SIGNER" })).toMatchObject({
      status: "Succeeded",
      keyName: "SIGNER",
    });
    expect((await f.call<{ items: KeyBundle[] }>("KeyListVersions", { name: "signer" })).items.map((k) => k.kid)).toEqual(versions);
    expect(versions).toContain(kid);
    expect(await f.run("SelectiveKeyRestoreStart", { folder: job.folder, keyName: "aes" })).toMatchObject({
      status: "Failed",
      error: { code: "Conflict" },
    });
    expect(await f.run("SelectiveKeyRestoreStart", { folder: job.folder, keyName: "never-there" })).toMatchObject({
      status: "Failed",
      error: { code: "KeyNotFound" },
    });
  });

  it("allows one job at a time per HSM and refuses data-plane calls while restoring", async () => {
    await populate();
    const job = await backup();
    const release = f.control.pause();
    const first = await f.call<BackupJobView>("BackupStart", { storageAccount: ACCOUNT, container: CONTAINER }, { as: f.backupUser });
    expect(first.status).toBe("InProgress");
    await expectFailure(
      f.call("RestoreStart", { storageAccount: ACCOUNT, container: CONTAINER, folder: job.folder }, { as: f.restoreUser }),
      "Conflict",
    );
    release();
    await f.jobs.settled(first.jobId);

    const hold = f.control.pause();
    const restore = await f.call<BackupJobView>(
      "RestoreStart",
      { storageAccount: ACCOUNT, container: CONTAINER, folder: job.folder },
      { as: f.restoreUser },
    );
    for (let tries = 0; (await f.hsm(f.core.hsm.name)).activation !== "Restoring"; tries++) {
      if (tries === 1000) throw new Error("the HSM was never marked Restoring");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const refused = await expectFailure(f.call("KeyGet", { name: "signer" }), "OperationNotAllowed");
    expect(refused.message).toContain("being restored");
    await expectFailure(f.call("BackupStatus", { jobId: first.jobId }, { as: f.backupUser }), "OperationNotAllowed");
    expect(await f.call<BackupJobView>("RestoreStatus", { jobId: restore.jobId }, { as: f.restoreUser })).toMatchObject({
      status: "InProgress",
      endTime: 0,
    });
    hold();
    await f.jobs.settled(restore.jobId);
    expect(await f.call<BackupJobView>("RestoreStatus", { jobId: restore.jobId }, { as: f.restoreUser })).toMatchObject({
      status: "Succeeded",
    });
    expect((await f.call<KeyBundle>("KeyGet", { name: "signer" })).kid).toContain("/keys/signer/");
  });

  it("authorizes Administrator, Backup and Restore exactly as the reference, and refuses Crypto User", async () => {
    const job = await backup();
    const storage = { storageAccount: ACCOUNT, container: CONTAINER };
    const allowed = async (operation: string, raw: Record<string, unknown>, as: BackupFixture["cryptoUser"]): Promise<string> => {
      try {
        const started = await f.call<BackupJobView>(operation, raw, { as });
        await f.jobs.settled(started.jobId);
        return "allowed";
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    const calls: [string, Record<string, unknown>][] = [
      ["BackupStart", storage],
      ["BackupStatus", { jobId: job.jobId }],
      ["RestoreStart", { ...storage, folder: job.folder }],
      ["SelectiveKeyRestoreStart", { ...storage, folder: job.folder, keyName: "none" }],
      ["RestoreStatus", { jobId: job.jobId }],
    ];
    const matrix: Record<string, string[]> = {};
    for (const [who, principal] of [
      ["admin", f.core.admin],
      ["backup", f.backupUser],
      ["restore", f.restoreUser],
      ["crypto", f.cryptoUser],
    ] as const) {
      matrix[who] = [];
      for (const [operation, raw] of calls) matrix[who].push(await allowed(operation, raw, principal));
    }
    // RestoreStatus of a backup job id is NotFound once authorized: the two kinds are separate.
    expect(matrix).toEqual({
      admin: ["allowed", "allowed", "allowed", "allowed", "NotFound"],
      backup: ["allowed", "allowed", "ForbiddenByRbac", "ForbiddenByRbac", "ForbiddenByRbac"],
      restore: ["ForbiddenByRbac", "ForbiddenByRbac", "allowed", "allowed", "NotFound"],
      crypto: ["ForbiddenByRbac", "ForbiddenByRbac", "ForbiddenByRbac", "ForbiddenByRbac", "ForbiddenByRbac"],
    });
  });

  it("names the field of bad input", async () => {
    await expectFailure(
      f.call("BackupStart", { storageAccount: "Not An Account", container: CONTAINER }, { as: f.core.admin }),
      "BadParameter",
      "storageAccount",
    );
    await expectFailure(
      f.call("BackupStart", { storageAccount: ACCOUNT, container: "x" }, { as: f.core.admin }),
      "BadParameter",
      "container",
    );
    await expectFailure(
      f.call("BackupStart", { storageAccount: "nosuchacct", container: CONTAINER }, { as: f.core.admin }),
      "NotFound",
      "storageAccount",
    );
    // A backup creates its container; a restore needs one that exists.
    await expectFailure(
      f.call("RestoreStart", { storageAccount: ACCOUNT, container: "missing", folder: "mhsm-a-20250101000000" }, { as: f.core.admin }),
      "NotFound",
      "container",
    );
    await expectFailure(
      f.call("RestoreStart", { storageAccount: ACCOUNT, container: CONTAINER, folder: "../etc" }, { as: f.core.admin }),
      "BadParameter",
      "folder",
    );
    await expectFailure(f.call("RestoreStatus", { jobId: "nope" }, { as: f.core.admin }), "BadParameter", "jobId");
    await expectFailure(
      f.call(
        "SelectiveKeyRestoreStart",
        { storageAccount: ACCOUNT, container: CONTAINER, folder: "mhsm-a-20250101000000" },
        { as: f.core.admin },
      ),
      "BadParameter",
      "keyName",
    );
  });
});
