/**
 * Security domain recovery through the pipeline: HSM A's domain downloaded, a
 * new HSM B's transfer key, the offline restore blob made from 2 of 3 private
 * keys, B's upload, and B serving A's domain (a key backup of A restores into
 * B and signs as in A). Every refusal leaves B exactly as it was.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MANAGED_HSM_ADMINISTRATOR, MANAGED_HSM_CRYPTO_USER } from "../../../src/authz/index.js";
import { buildRestoreBlob } from "../../../src/cli/security-domain.js";
import { toBase64Url } from "../../../src/crypto/bytes.js";
import type { HsmRuntime } from "../../../src/pipeline/hsm-registry.js";
import { ensureHsmDomain, HsmDomains, openNodeSeal, type NodeSeal } from "../../../src/hsm/keys/index.js";
import type { Operation } from "../../../src/pipeline/operation.js";
import { securityDomainOperations } from "../../../src/hsm/operations/security-domain.js";
import { parseSecurityDomain, type SecurityDomainBlob } from "../../../src/hsm/security-domain/blob.js";
import { domainSecretReader } from "../../../src/hsm/security-domain/domain-secret.js";
import { rsaKeyThumbprint } from "../../../src/hsm/security-domain/thumbprints.js";
import { TransferKeys } from "../../../src/hsm/security-domain/transfer-key.js";
import { SecurityDomainUploads } from "../../../src/hsm/security-domain/upload.js";
import type { PrincipalRecord } from "../../../src/store/records.js";
import { securityCore, type SecurityCore } from "../helpers.js";
import { fixtureJwk, refusal, wrappingFixture, wrappingFixtures, type WrappingFixture } from "./fixtures.js";
import { TestRecoveryRepository } from "./recovery-repository.js";
import { keyRecord } from "../../helpers/key-records.js";

let core: SecurityCore;
let seal: NodeSeal;
let repository: TestRecoveryRepository;
let uploads: SecurityDomainUploads;
let ops: Map<string, Operation>;
let hsmB: HsmRuntime;
let app: PrincipalRecord;
const tokens = new Map<string, string>();

async function assign(hsmId: string, principalId: string, role: { id: string }): Promise<void> {
  await core.store.rbac.insertRoleAssignment(hsmId, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: role.id,
    principalId,
  });
}

async function call(
  operation: string,
  input: unknown,
  hsm: HsmRuntime,
  principal: PrincipalRecord = core.admin,
): Promise<Record<string, unknown>> {
  let token = tokens.get(principal.id);
  if (token === undefined) {
    token = await core.token(principal);
    tokens.set(principal.id, token);
  }
  const op = ops.get(operation) ?? core.table.get(operation);
  if (op === undefined) throw new Error(`no operation ${operation}`);
  return (await core.pipeline.dispatch(op, input, core.meta(token, { hsmName: hsm.name }))) as Record<string, unknown>;
}

async function activationOf(hsm: HsmRuntime): Promise<string> {
  return (await core.hsms.resolve(hsm.name)).activation;
}

/** Everything an upload may change on B. */
async function stateOfB(): Promise<unknown> {
  const sealed = await core.store.keys.getSealedDomainSecret(hsmB.id);
  return {
    activation: await activationOf(hsmB),
    domainSecret: sealed === undefined ? "none" : toBase64Url(sealed),
    transferKey: repository.transferKeys.has(hsmB.id),
    outcome: repository.outcomes.get(hsmB.id)?.status ?? "none",
  };
}

interface Recovery {
  readonly securityDomain: SecurityDomainBlob;
  readonly securityDomainText: string;
  readonly fixtures: WrappingFixture[];
  readonly transferKeyText: string;
  readonly restoreText: string;
}

/** A's security domain (3 keys, quorum 2), B's transfer key, and the restore blob made with keys 3 and 1. */
async function prepareRecovery(): Promise<Recovery> {
  const fixtures = wrappingFixtures(3);
  const download = await call("SecurityDomainDownload", { certificates: fixtures.map((f) => f.certificateJwk), required: 2 }, core.hsm);
  const securityDomainText = download["securityDomain"] as string;
  const transferKeyText = (await call("SecurityDomainTransferKey", {}, hsmB))["transferKey"] as string;
  const pems = [2, 0].map((i) => ({ path: `key${i + 1}.pem`, pem: fixtures[i]!.privateKeyPem }));
  const restore = await buildRestoreBlob(securityDomainText, pems, transferKeyText);
  return {
    securityDomain: parseSecurityDomain(securityDomainText),
    securityDomainText,
    fixtures,
    transferKeyText,
    restoreText: JSON.stringify(restore),
  };
}

beforeEach(async () => {
  core = await securityCore();
  seal = openNodeSeal({ dataDir: core.dataDir, passphrase: undefined });
  const domains = new HsmDomains(core.store, seal);
  repository = new TestRecoveryRepository(core.store);
  // The transfer key is a fixture RSA-3072 key instead of a fresh one (no key generation in tests).
  const transferKeys = new TransferKeys(repository, seal, async () => fixtureJwk("rsa-3072-1"));
  uploads = new SecurityDomainUploads({ repository, transferKeys, seal, hsms: core.hsms, domains });
  const operations = securityDomainOperations({
    readDomainSecret: domainSecretReader(core.store, seal, domains),
    hsms: core.hsms,
    recovery: { transferKeys, uploads },
  });
  ops = new Map(operations.map((o) => [o.name, o]));
  hsmB = {
    ...core.hsm,
    id: randomUUID(),
    name: "hsm-b",
    activation: "NotActivated",
    hsmUriHost: "hsm-b.managedhsm.keyhold.test",
    resourceId: core.hsm.resourceId.replace(/contoso-hsm$/, "hsm-b"),
  };
  core.hsms.putConfigured(hsmB);
  await assign(hsmB.id, core.admin.id, MANAGED_HSM_ADMINISTRATOR);
  app = await core.directory.createUser(core.tenant.id, {
    userPrincipalName: "app@contoso.test",
    displayName: "app",
    password: "App-password-1!",
    enabled: true,
  });
  await assign(core.hsm.id, app.id, MANAGED_HSM_CRYPTO_USER);
  await assign(hsmB.id, app.id, MANAGED_HSM_CRYPTO_USER);
  tokens.clear();
});

afterEach(async () => {
  await core.close();
});

describe("GetTransferKey", () => {
  it("returns one RSA-3072 public key per recovery, only for a NotActivated HSM and only to the Administrator", async () => {
    const first = JSON.parse((await call("SecurityDomainTransferKey", {}, hsmB))["transferKey"] as string) as Record<string, unknown>;
    const second = JSON.parse((await call("SecurityDomainTransferKey", {}, hsmB))["transferKey"] as string) as Record<string, unknown>;
    const fixture = fixtureJwk("rsa-3072-1");
    expect(first).toEqual({
      kid: rsaKeyThumbprint(fixture.n!, fixture.e!),
      kty: "RSA",
      alg: "RSA-OAEP-256",
      key_ops: ["wrapKey", "encrypt"],
      n: fixture.n,
      e: fixture.e,
    });
    expect(second).toEqual(first);
    // Sealed in the store, not in the clear.
    const sealed = Buffer.from(repository.transferKeys.get(hsmB.id)!).toString("latin1");
    expect(sealed).not.toContain(fixture.d);
    expect(sealed).not.toContain(Buffer.from(fixture.d!, "base64url").toString("latin1").slice(0, 32));
    expect(await refusal(call("SecurityDomainTransferKey", {}, hsmB, app))).toBe("ForbiddenByRbac");
    expect(await refusal(call("SecurityDomainTransferKey", {}, core.hsm))).toBe("OperationNotAllowed");
    expect(repository.transferKeys.has(core.hsm.id)).toBe(false);
  });
});

describe("security domain recovery", () => {
  it("gives a new HSM the domain of another: activated, same fingerprint, A's key backup restores and signs in B", async () => {
    await call("KeyCreate", { name: "payments", kty: "EC", crv: "P-256" }, core.hsm, app);
    const backup = (await call("KeyBackup", { name: "payments" }, core.hsm, app))["value"] as Uint8Array;
    const recovery = await prepareRecovery();
    expect(await refusal(call("KeyRestore", { value: backup }, hsmB, app))).toBe("OperationNotAllowed");
    expect(await call("SecurityDomainStatus", {}, hsmB)).toMatchObject({ status: "NotActivated" });

    expect(await call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB)).toMatchObject({ status: "InProgress" });
    await uploads.settled(hsmB.id);
    expect(await call("SecurityDomainStatus", {}, hsmB)).toMatchObject({ status: "Success" });
    expect(await activationOf(hsmB)).toBe("Activated");
    const fingerprintB = toBase64Url((await ensureHsmDomain(core.store, seal, hsmB.id)).fingerprint);
    const fingerprintA = toBase64Url((await ensureHsmDomain(core.store, seal, core.hsm.id)).fingerprint);
    expect(fingerprintB).toBe(fingerprintA);
    expect(fingerprintB).toBe(recovery.securityDomain.domainFingerprint);

    const restored = await call("KeyRestore", { value: backup }, hsmB, app);
    const original = await call("KeyGet", { name: "payments" }, core.hsm, app);
    expect((restored["key"] as Record<string, unknown>)["x"]).toEqual((original["key"] as Record<string, unknown>)["x"]);
    const digest = new Uint8Array(createHash("sha256").update("recovered").digest());
    const signed = await call("KeySign", { name: "payments", algorithm: "ES256", digest }, hsmB, app);
    expect(
      await call("KeyVerify", { name: "payments", algorithm: "ES256", digest, signature: signed["signature"] }, core.hsm, app),
    ).toMatchObject({ valid: true });

    // The recovery is over: its transfer key is gone, and B takes no second upload.
    expect(repository.transferKeys.has(hsmB.id)).toBe(false);
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB))).toBe("OperationNotAllowed");
    expect(await refusal(call("SecurityDomainTransferKey", {}, hsmB))).toBe("OperationNotAllowed");
    const events = (await core.events()).filter((e) => e.operationName === "SecurityDomainUpload").map((e) => e.resultType);
    expect(events).toEqual(["Success", "Failure"]);
    expect(await core.journalBytes()).not.toContain(recovery.restoreText.slice(200, 260));
  });

  it("reports InProgress while the upload runs and refuses a second upload meanwhile (Conflict)", async () => {
    const recovery = await prepareRecovery();
    let release!: () => void;
    repository.gate = new Promise((resolve) => (release = resolve));
    await call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB);
    expect(await call("SecurityDomainStatus", {}, hsmB)).toMatchObject({ status: "InProgress" });
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB))).toBe("Conflict");
    expect(await activationOf(hsmB)).toBe("NotActivated");
    release();
    await uploads.settled(hsmB.id);
    expect(await call("SecurityDomainStatus", {}, hsmB)).toMatchObject({ status: "Success" });
  });

  it("reports Failed with the reason when keys appear during the upload, and leaves the HSM not activated", async () => {
    const recovery = await prepareRecovery();
    let release!: () => void;
    repository.gate = new Promise((resolve) => (release = resolve));
    await call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB);
    await core.store.keys.insertKey(keyRecord(hsmB.id, "stray"));
    release();
    await uploads.settled(hsmB.id);
    const status = await call("SecurityDomainStatus", {}, hsmB);
    expect(status["status"]).toBe("Failed");
    expect(status["statusDetails"]).toMatch(/received keys/);
    expect(await stateOfB()).toEqual({ activation: "NotActivated", domainSecret: "none", transferKey: true, outcome: "Failed" });
  });

  it("reports an upload cut short by a stop as Failed", async () => {
    repository.outcomes.set(hsmB.id, { status: "InProgress", details: "Installing", updatedAt: 1 });
    const status = await call("SecurityDomainStatus", {}, hsmB);
    expect(status).toMatchObject({ status: "Failed" });
    expect(status["statusDetails"]).toMatch(/interrupted/);
  });
});

describe("refused uploads change nothing", () => {
  it("refuses a blob with any changed character", async () => {
    const { restoreText } = await prepareRecovery();
    const before = await stateOfB();
    const refusals = new Set<string>();
    // Every third character; letters and digits become another of their class, so JSON stays valid.
    for (let i = 0; i < restoreText.length; i += 3) {
      const c = restoreText[i]!;
      const replacement = /[0-9]/.test(c)
        ? String((Number(c) + 1) % 10)
        : /[a-z]/.test(c)
          ? c === "z"
            ? "a"
            : String.fromCharCode(c.charCodeAt(0) + 1)
          : /[A-Z]/.test(c)
            ? c === "Z"
              ? "A"
              : String.fromCharCode(c.charCodeAt(0) + 1)
            : undefined;
      if (replacement === undefined) continue;
      const changed = restoreText.slice(0, i) + replacement + restoreText.slice(i + 1);
      const outcome = await refusal(call("SecurityDomainUpload", { securityDomain: changed }, hsmB));
      expect(outcome, `character ${i}`).not.toBe("accepted");
      refusals.add(outcome.split(":")[0]!);
    }
    expect([...refusals].sort()).toEqual(["BadParameter", "CryptoFailure"]);
    expect(await stateOfB()).toEqual(before);
  });

  it("refuses a blob made for another transfer key, fewer shares than required, another HSM's blob, and an activated HSM", async () => {
    const recovery = await prepareRecovery();
    const before = await stateOfB();
    const otherTransferKey = fixtureJwk("rsa-3072-2");
    const pems = [0, 1].map((i) => ({ path: `key${i + 1}.pem`, pem: recovery.fixtures[i]!.privateKeyPem }));
    const forOtherKey = await buildRestoreBlob(
      recovery.securityDomainText,
      pems,
      JSON.stringify({ kty: "RSA", n: otherTransferKey.n, e: otherTransferKey.e }),
    );
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: JSON.stringify(forOtherKey) }, hsmB))).toBe(
      "BadParameter:security_domain.transferKeyThumbprint",
    );

    const restore = JSON.parse(recovery.restoreText) as { shares: unknown[] };
    const oneShare = JSON.stringify({ ...restore, shares: restore.shares.slice(0, 1) });
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: oneShare }, hsmB))).toBe("BadParameter:security_domain.shares");
    const loweredQuorum = JSON.stringify({ ...restore, required: 1, shares: restore.shares.slice(0, 1) });
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: loweredQuorum }, hsmB))).toBe(
      "BadParameter:security_domain.required",
    );
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.securityDomainText }, hsmB))).toBe(
      "BadParameter:security_domain.format",
    );
    expect(await refusal(call("SecurityDomainUpload", {}, hsmB))).toBe("BadParameter:security_domain");
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB, app))).toBe("ForbiddenByRbac");
    expect(await stateOfB()).toEqual(before);

    // An activated HSM (A) takes no upload, even of its own domain.
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, core.hsm))).toBe("OperationNotAllowed");
    expect(repository.outcomes.has(core.hsm.id)).toBe(false);
  });

  it("refuses an upload into an HSM that holds keys", async () => {
    const recovery = await prepareRecovery();
    await core.store.keys.insertKey({
      hsmId: hsmB.id,
      name: "stray",
      state: "deleted",
      createdAt: 1,
      deletedDate: 2,
      scheduledPurgeDate: 3,
      recoveryId: "r",
      rotationPolicy: undefined,
    });
    const before = await stateOfB();
    expect(await refusal(call("SecurityDomainUpload", { securityDomain: recovery.restoreText }, hsmB))).toBe("OperationNotAllowed");
    expect(await stateOfB()).toEqual(before);
  });

  it("refuses, offline, a private key that opens no share (naming its file) and fewer keys than the quorum", async () => {
    const recovery = await prepareRecovery();
    const stranger = wrappingFixture("rsa-4096-2");
    const keys = [
      { path: "key1.pem", pem: recovery.fixtures[0]!.privateKeyPem },
      { path: "stranger.pem", pem: stranger.privateKeyPem },
    ];
    const wrongKey = buildRestoreBlob(recovery.securityDomainText, keys, recovery.transferKeyText);
    await expect(wrongKey).rejects.toMatchObject({ code: "BadParameter", field: "--sd-wrapping-keys stranger.pem" });
    await expect(buildRestoreBlob(recovery.securityDomainText, keys, recovery.transferKeyText)).rejects.toThrow(
      /stranger\.pem.*matches none/,
    );
    await expect(buildRestoreBlob(recovery.securityDomainText, keys.slice(0, 1), recovery.transferKeyText)).rejects.toMatchObject({
      field: "--sd-wrapping-keys",
    });
    await expect(buildRestoreBlob(recovery.securityDomainText, keys.slice(0, 1), "{}")).rejects.toMatchObject({
      field: "--sd-exchange-key",
    });
    const fixture = fixtureJwk("rsa-2048-1");
    await expect(
      buildRestoreBlob(recovery.securityDomainText, keys.slice(0, 1), JSON.stringify({ kty: "RSA", n: fixture.n, e: fixture.e })),
    ).rejects.toMatchObject({ field: "--sd-exchange-key" });
  });
});
