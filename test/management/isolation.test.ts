/**
 * The isolation rule (SPEC section 1) both ways, activation refusal (SPEC section 8) and deletion taking the data
 * plane away at once, all through the one pipeline.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OWNER } from "../../src/management/index.js";
import { OPERATION_SAMPLES } from "../helpers/operation-samples.js";
import { SUBSCRIPTION, errorCodeOf, hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

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

    const dataOperations = [...core.table.values()].filter(
      (operation) => operation.plane === "data" && operation.authorization.kind === "localRbac",
    );
    expect(dataOperations.length).toBeGreaterThan(20);
    for (const operation of dataOperations) {
      const sample = OPERATION_SAMPLES[operation.name];
      expect(sample, `no sample input for ${operation.name}`).toBeDefined();
      const code = await errorCodeOf(
        core.dataCall(operation.name, sample!({ principalId: owner.id, tenantId: core.tenant.id }), owner, "isolated"),
      );
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
    for (const [method, payload] of [
      ["PATCH", { tags: { a: "b" } }],
      ["DELETE", undefined],
      ["GET", undefined],
    ] as const) {
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
    const refused = await core
      .dataCall("RoleAssignmentList", { scope: "/" }, admin, "fresh")
      .catch((error: { code: string; message: string }) => error);
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
