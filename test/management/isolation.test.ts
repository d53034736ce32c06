/**
 * The isolation rule (SPEC section 1) both ways, activation refusal (SPEC section 8) and deletion taking the data
 * plane away at once, all through the one pipeline.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { OWNER } from "../../src/management/index.js";
import { SUBSCRIPTION, errorCodeOf, hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

const SOME_GUID = "6f1d3c1e-0b7a-4c3e-9d55-2a7b8c9d0e1f";

/** A decodable input for every data-plane operation of the table; the test fails when one has none. */
const SAMPLES: Record<string, (principalId: string) => unknown> = {
  RoleDefinitionList: () => ({ scope: "/" }),
  RoleDefinitionGet: () => ({ scope: "/", name: MANAGED_HSM_CRYPTO_USER.name }),
  RoleDefinitionSet: () => ({ scope: "/", name: randomUUID(), roleDefinition: { roleName: `r-${randomUUID()}`, permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"] }] } }),
  RoleDefinitionDelete: () => ({ scope: "/", name: SOME_GUID }),
  RoleAssignmentList: () => ({ scope: "/" }),
  RoleAssignmentGet: () => ({ scope: "/", name: SOME_GUID }),
  RoleAssignmentCreate: (principalId) => ({ scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId }),
  RoleAssignmentDelete: () => ({ scope: "/", name: SOME_GUID }),
  CheckAccess: (principalId) => ({ principalId, action: "Microsoft.KeyVault/managedHsm/keys/sign/action", scope: "/" }),
  KeyCreate: () => ({ name: "k1", kty: "EC", crv: "P-256" }),
  KeyImport: () => ({ name: "i1", key: { kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") } }),
  KeyGet: () => ({ name: "k1" }),
  KeyList: () => ({}),
  KeyListVersions: () => ({ name: "k1" }),
  KeyUpdate: () => ({ name: "k1", tags: { values: { a: "b" } } }),
  KeyDelete: () => ({ name: "k1" }),
  KeyGetDeleted: () => ({ name: "k1" }),
  KeyListDeleted: () => ({}),
  KeyRecover: () => ({ name: "k1" }),
  KeyPurge: () => ({ name: "k1" }),
  KeyBackup: () => ({ name: "k1" }),
  KeyRestore: () => ({ value: new Uint8Array(64) }),
  KeyRotate: () => ({ name: "k1" }),
  KeyRotationPolicyGet: () => ({ name: "k1" }),
  KeyRotationPolicySet: () => ({ name: "k1", policy: { lifetimeActions: [{ timeAfterCreate: "P30D", action: "Rotate" }], expiryTime: "P90D" } }),
  RandomBytes: () => ({ count: 16 }),
  KeySign: () => ({ name: "k1", algorithm: "ES256", digest: new Uint8Array(32) }),
  KeyVerify: () => ({ name: "k1", algorithm: "ES256", digest: new Uint8Array(32), signature: new Uint8Array(64) }),
  KeyEncrypt: () => ({ name: "k1", algorithm: "RSA-OAEP-256", plaintext: new Uint8Array(16) }),
  KeyDecrypt: () => ({ name: "k1", algorithm: "RSA-OAEP-256", ciphertext: new Uint8Array(256) }),
  KeyWrap: () => ({ name: "k1", algorithm: "A256KW", key: new Uint8Array(32) }),
  KeyUnwrap: () => ({ name: "k1", algorithm: "A256KW", wrappedKey: new Uint8Array(40) }),
};

async function activeHsm(name: string, admin: string): Promise<string> {
  expect((await core.createHsm(name, [admin])).status).toBe(202);
  const hsm = await core.hsms.resolve(name);
  await core.hsms.markActivated(hsm.id);
  return hsm.id;
}

describe("isolation of the planes", () => {
  it("an Owner at the root, the subscription and the HSM resource is denied every data-plane operation", async () => {
    const admin = await core.user("hsm-admin");
    await activeHsm("isolated", admin.id);
    const owner = await core.user("sub-owner");
    for (const scope of ["/", `/subscriptions/${SUBSCRIPTION}`, hsmPath("isolated")]) await core.grant(owner, OWNER.name, scope);
    expect((await core.call("PATCH", hsmPath("isolated"), owner, { tags: { owner: "yes" } })).status).toBe(200);

    const dataOperations = [...core.table.values()].filter((operation) => operation.plane === "data" && operation.authorization.kind === "localRbac");
    expect(dataOperations.length).toBeGreaterThan(20);
    for (const operation of dataOperations) {
      const sample = SAMPLES[operation.name];
      expect(sample, `no sample input for ${operation.name}`).toBeDefined();
      const code = await errorCodeOf(core.dataCall(operation.name, sample!(owner.id), owner, "isolated"));
      expect(code, operation.name).toBe("ForbiddenByRbac");
    }
  });

  it("a Managed HSM Administrator with no management role cannot PATCH or DELETE the HSM resource", async () => {
    const admin = await core.user("local-admin");
    await activeHsm("localonly", admin.id);
    // The administrator is allowed inside the HSM...
    const inside = await core.dataCall("RoleAssignmentList", { scope: "/" }, admin, "localonly");
    expect(inside).toBeDefined();
    // ...and nowhere on the resource.
    for (const [method, payload] of [["PATCH", { tags: { a: "b" } }], ["DELETE", undefined], ["GET", undefined]] as const) {
      const refused = await core.call(method, hsmPath("localonly"), admin, payload);
      expect(refused.status, method).toBe(403);
      expect(refused.body.error.code).toBe("AuthorizationFailed");
    }
    expect((await core.call("GET", hsmPath("localonly"), core.root)).body.tags).toEqual({});
  });
});

describe("activation and deletion as the data plane sees them", () => {
  it("a new HSM is NotActivated: its administrator's calls fail with FAILED_PRECONDITION until activation", async () => {
    const admin = await core.user("new-admin");
    expect((await core.createHsm("fresh", [admin.id])).status).toBe(202);
    const hsm = await core.hsms.resolve("fresh");
    expect(hsm.activation).toBe("NotActivated");
    const refused = await core.dataCall("RoleAssignmentList", { scope: "/" }, admin, "fresh").catch((error: { code: string; message: string }) => error);
    expect(refused).toMatchObject({ code: "OperationNotAllowed" });
    expect((refused as { message: string }).message).toMatch(/security domain/);

    await core.hsms.markActivated(hsm.id);
    expect((await core.hsms.resolve("fresh")).activation).toBe("Activated");
    const listed = (await core.dataCall("RoleAssignmentList", { scope: "/" }, admin, "fresh")) as { items: { principalId: string }[] };
    expect(listed.items.map((a) => a.principalId)).toEqual([admin.id]);
    expect((await core.call("GET", hsmPath("fresh"), core.root)).body.properties.securityDomainProperties.activationStatus).toBe("Active");
  });

  it("deleting an HSM makes its data plane answer HsmNotFound on the very next call", async () => {
    const admin = await core.user("del-admin");
    await activeHsm("doomed", admin.id);
    expect(await core.dataCall("RoleAssignmentList", { scope: "/" }, admin, "doomed")).toBeDefined();
    expect((await core.call("DELETE", hsmPath("doomed"), core.root)).status).toBe(202);
    expect(await errorCodeOf(core.dataCall("RoleAssignmentList", { scope: "/" }, admin, "doomed"))).toBe("HsmNotFound");
    await expect(core.hsms.list()).resolves.toEqual([]);
  });
});
