/**
 * SecurityDomainDownload and SecurityDomainStatus through the pipeline of a
 * whole security core: who may call them, what input is refused, activation,
 * and what the blob holds (shares that recover the secret, nothing in clear).
 */
import { createPublicKey, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MANAGED_HSM_ADMINISTRATOR, MANAGED_HSM_CRYPTO_USER } from "../../../src/authz/index.js";
import { toBase64Url } from "../../../src/crypto/bytes.js";
import { ensureHsmDomain, HsmDomains, openNodeSeal } from "../../../src/hsm/keys/index.js";
import type { Operation } from "../../../src/pipeline/operation.js";
import { securityDomainOperations } from "../../../src/hsm/operations/security-domain.js";
import { parseSecurityDomain } from "../../../src/hsm/security-domain/blob.js";
import { domainSecretReader } from "../../../src/hsm/security-domain/domain-secret.js";
import { openShare, recoverDomainSecret } from "../../../src/hsm/security-domain/open-shares.js";
import type { PrincipalRecord } from "../../../src/store/records.js";
import { securityCore, type SecurityCore } from "../helpers.js";
import { downloadJwk, fixtureJwk, weakRsaCertificateJwk, refusal, wrappingFixture, wrappingFixtures } from "./fixtures.js";

const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

let core: SecurityCore;
let download: Operation;
let status: Operation;
let readSecret: (hsmId: string) => Promise<Uint8Array>;

async function user(name: string, role?: { id: string }): Promise<PrincipalRecord> {
  const principal = await core.directory.createUser(core.tenant.id, {
    userPrincipalName: `${name}@contoso.test`,
    displayName: name,
    password: "User-password-1!",
    enabled: true,
  });
  if (role !== undefined) {
    await core.store.rbac.insertRoleAssignment(core.hsm.id, {
      id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
      name: randomUUID(),
      scope: "/",
      roleDefinitionId: role.id,
      principalId: principal.id,
    });
  }
  return principal;
}

async function call(operation: Operation, input: unknown, principal: PrincipalRecord): Promise<unknown> {
  return core.pipeline.dispatch(operation, input, core.meta(await core.token(principal)));
}

async function activation(): Promise<string> {
  return (await core.hsms.resolve(core.hsm.name)).activation;
}

/** An X.509 certificate of an RSA fixture whose subject public key is replaced by another SPKI (the signature is not checked). */
function certificateJwkWithKey(spkiDer: Buffer): Record<string, unknown> {
  const rsa = wrappingFixture("rsa-2048-1");
  const asn1 = forge.pki.certificateToAsn1(forge.pki.certificateFromPem(rsa.certificatePem));
  const tbs = (asn1.value as import("node-forge").asn1.Asn1[])[0]!;
  const tbsFields = tbs.value as import("node-forge").asn1.Asn1[];
  // tbsCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions.
  tbsFields[6] = forge.asn1.fromDer(forge.util.createBuffer(spkiDer.toString("binary")));
  const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64")}\n-----END CERTIFICATE-----\n`;
  return downloadJwk(pem);
}

beforeEach(async () => {
  core = await securityCore();
  core.hsms.putConfigured({ ...core.hsm, activation: "NotActivated" });
  const seal = openNodeSeal({ dataDir: core.dataDir, passphrase: undefined });
  readSecret = domainSecretReader(core.store, seal, new HsmDomains(core.store, seal));
  const operations = securityDomainOperations({ readDomainSecret: readSecret, hsms: core.hsms });
  download = operations.find((o) => o.name === "SecurityDomainDownload")!;
  status = operations.find((o) => o.name === "SecurityDomainStatus")!;
});

afterEach(async () => {
  await core.close();
});

describe("SecurityDomainDownload", () => {
  it("is refused to principals without the Administrator's data action, and leaves the HSM not activated", async () => {
    const cryptoUser = await user("crypto-user", MANAGED_HSM_CRYPTO_USER);
    const nobody = await user("nobody");
    const input = { certificates: wrappingFixtures(3).map((f) => f.certificateJwk), required: 2 };
    expect(await refusal(call(download, input, cryptoUser))).toBe("ForbiddenByRbac");
    expect(await refusal(call(download, input, nobody))).toBe("ForbiddenByRbac");
    expect(await activation()).toBe("NotActivated");
  });

  it("refuses bad certificate lists and quorums, naming the field, and leaves the HSM not activated", async () => {
    const [a, b, c, d] = wrappingFixtures(4).map((f) => f.certificateJwk) as [Record<string, unknown>, ...Record<string, unknown>[]];
    const three = [a, b!, c!];
    const other = fixtureJwk("rsa-2048-2");
    const ec = createPublicKey({ key: fixtureJwk("ec-p256") as unknown as import("node:crypto").JsonWebKey, format: "jwk" }).export({
      type: "spki",
      format: "der",
    });
    const cases: Array<[unknown, string]> = [
      [{ certificates: [a, b], required: 2 }, "BadParameter:certificates"],
      [{ certificates: Array.from({ length: 11 }, () => a), required: 2 }, "BadParameter:certificates"],
      [{ certificates: three, required: 1 }, "BadParameter:required"],
      [{ certificates: three, required: 4 }, "BadParameter:required"],
      [{ certificates: [a, b, c, d], required: 5 }, "BadParameter:required"],
      [{ certificates: [a, b, { ...c, n: other.n }], required: 2 }, "BadParameter:certificates[2]"],
      [{ certificates: [a, b, certificateJwkWithKey(ec)], required: 2 }, "BadParameter:certificates[2].kty"],
      [
        { certificates: [a, b, { ...certificateJwkWithKey(ec), kty: "RSA", n: a["n"], e: a["e"] }], required: 2 },
        "BadParameter:certificates[2].x5c[0]",
      ],
      [{ certificates: [weakRsaCertificateJwk(), b, c], required: 2 }, "BadParameter:certificates[0].x5c[0]"],
      [{ certificates: [a, b, a], required: 2 }, "BadParameter:certificates[2]"],
      [{ certificates: [a, b, { ...c, x5c: ["bm90IGEgY2VydA=="] }], required: 2 }, "BadParameter:certificates[2].x5c[0]"],
      [{ certificates: [a, b, { ...c, x5c: undefined }], required: 2 }, "BadParameter:certificates[2].x5c"],
      [{ certificates: [a, b, { ...c, kty: "EC" }], required: 2 }, "BadParameter:certificates[2].kty"],
      [
        { certificates: [a, b, { ...c, "x5t#S256": toBase64Url(new Uint8Array(32)) }], required: 2 },
        "BadParameter:certificates[2].x5t#S256",
      ],
    ];
    for (const [input, expected] of cases) expect(await refusal(call(download, input, core.admin)), expected).toBe(expected);
    expect(await activation()).toBe("NotActivated");
  });

  it("activates the HSM: key operations stop failing with OperationNotAllowed", async () => {
    const cryptoUser = await user("app", MANAGED_HSM_CRYPTO_USER);
    const createKey = core.table.get("KeyCreate")!;
    const newKey = () => call(createKey, { name: `k-${randomUUID().slice(0, 8)}`, kty: "EC", crv: "P-256" }, cryptoUser);
    expect(await refusal(newKey())).toBe("OperationNotAllowed");

    const result = (await call(download, { certificates: wrappingFixtures(3).map((f) => f.certificateJwk), required: 2 }, core.admin)) as {
      securityDomain: string;
    };
    expect(await activation()).toBe("Activated");
    expect(await refusal(newKey())).toBe("accepted");

    const blob = parseSecurityDomain(result.securityDomain);
    expect(blob.hsmId).toBe(core.hsm.id);
    expect(blob.required).toBe(2);
    expect(blob.shares.map((s) => s.x)).toEqual([1, 2, 3]);
    // The key domain that protects the keys has the fingerprint the blob records.
    const seal = openNodeSeal({ dataDir: core.dataDir, passphrase: undefined });
    expect(blob.domainFingerprint).toBe(toBase64Url((await ensureHsmDomain(core.store, seal, core.hsm.id)).fingerprint));

    const events = (await core.events()).filter((e) => e.operationName === "SecurityDomainDownload");
    expect(events.map((e) => e.resultType)).toEqual(["Success"]);
  });

  it("makes a blob whose every quorum of private keys recovers the secret, with nothing secret in clear", async () => {
    const fixtures = wrappingFixtures(4);
    const result = (await call(download, { certificates: fixtures.map((f) => f.certificateJwk), required: 3 }, core.admin)) as {
      securityDomain: string;
    };
    const text = result.securityDomain;
    const blob = parseSecurityDomain(text);
    const secret = await readSecret(core.hsm.id);
    const encodings = (bytes: Uint8Array) => [
      toBase64Url(bytes),
      Buffer.from(bytes).toString("base64"),
      Buffer.from(bytes).toString("hex"),
    ];

    for (const skip of [0, 1, 2, 3]) {
      const keys = fixtures.filter((_, i) => i !== skip).map((f) => f.privateJwk);
      const recovered = await recoverDomainSecret(blob, keys);
      expect(recovered.secret).toEqual(secret);
      expect(recovered.domainFingerprint).toBe(blob.domainFingerprint);
    }
    expect(
      await refusal(
        recoverDomainSecret(
          blob,
          fixtures.slice(0, 2).map((f) => f.privateJwk),
        ),
      ),
    ).toBe("BadParameter:private_keys");

    const shares = await Promise.all(blob.shares.map((share, i) => openShare(blob, share, fixtures[i]!.privateJwk)));
    for (const needle of [secret, ...shares.map((s) => s.y)].flatMap(encodings)) expect(text).not.toContain(needle);
    expect(await core.journalBytes()).not.toContain(toBase64Url(secret));
  });

  it("downloads again once activated: fresh shares of the same domain", async () => {
    const input = { certificates: wrappingFixtures(3).map((f) => f.certificateJwk), required: 2 };
    const first = parseSecurityDomain(((await call(download, input, core.admin)) as { securityDomain: string }).securityDomain);
    const second = parseSecurityDomain(((await call(download, input, core.admin)) as { securityDomain: string }).securityDomain);
    expect(second.domainFingerprint).toBe(first.domainFingerprint);
    expect(second.shares[0]!.ciphertext).not.toBe(first.shares[0]!.ciphertext);
    expect(await activation()).toBe("Activated");
  });
});

describe("SecurityDomainStatus", () => {
  it("reports NotActivated, then Success after a download, to the Administrator and not to a Crypto User", async () => {
    const crypto = await user("crypto", MANAGED_HSM_CRYPTO_USER);
    expect(await call(status, {}, core.admin)).toMatchObject({ status: "NotActivated" });
    expect(await refusal(call(status, {}, crypto))).toBe("ForbiddenByRbac");
    await call(download, { certificates: wrappingFixtures(3).map((f) => f.certificateJwk) }, core.admin);
    expect(await call(status, {}, core.admin)).toMatchObject({ status: "Success" });
    expect(MANAGED_HSM_ADMINISTRATOR.permissions[0]!.dataActions).toContain("Microsoft.KeyVault/managedHsm/securitydomain/upload/read");
  });
});
