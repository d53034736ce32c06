/**
 * The pipeline's guarantees, proven for every operation of the table: no
 * call reaches a handler unless it passed network rules, authentication and
 * authorization; every call, whatever its outcome, is audited exactly once;
 * a journal that cannot be written refuses the call.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { KeyholdError } from "../../src/errors.js";
import type { RequestMeta } from "../../src/pipeline/dispatch.js";
import type { Operation } from "../../src/pipeline/operation.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { OPERATION_SAMPLES, sampleInput, type SampleContext } from "../helpers/operation-samples.js";
import { securityCore, type SecurityCore } from "./helpers.js";

/** A principal allowed everything: every data action at "/" (a custom role with "*"), Owner at the management root, and directory administration. */
async function omnipotent(core: SecurityCore): Promise<PrincipalRecord> {
  const omni = await core.directory.createUser(core.tenant.id, {
    userPrincipalName: "omni@contoso.test",
    displayName: "Omni",
    password: "Omni-password-1!",
    enabled: true,
  });
  await core.directory.addDirectoryAdministrator(core.tenant.id, omni.id);
  // Owner at the tenant root of the management plane (which grants nothing in the data plane).
  await core.store.management.insertRoleAssignment({
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    principalId: omni.id,
    createdAt: Date.now(),
  });
  // Owner grants no data actions; blob reads need Storage Blob Data Contributor.
  await core.store.management.insertRoleAssignment({
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    principalId: omni.id,
    createdAt: Date.now(),
  });
  const roleName = randomUUID();
  await core.store.rbac.putRoleDefinition(core.hsm.id, {
    id: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${roleName}`,
    name: roleName,
    roleName: "Everything",
    description: "test only",
    type: "CustomRole",
    permissions: [{ actions: [], notActions: [], dataActions: ["Microsoft.KeyVault/managedHsm/*"], notDataActions: [] }],
    assignableScopes: ["/"],
  });
  await core.store.rbac.insertRoleAssignment(core.hsm.id, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${roleName}`,
    principalId: omni.id,
  });
  return omni;
}

const samples = (core: SecurityCore): SampleContext => ({ principalId: core.admin.id, tenantId: core.tenant.id });

/** The operation with its handler counted. */
function counted(operation: Operation): { operation: Operation; calls: () => number } {
  let calls = 0;
  return {
    operation: { ...operation, execute: (input, context) => (calls++, operation.execute(input, context)) },
    calls: () => calls,
  };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (!(error instanceof KeyholdError)) throw error;
    return error.code;
  }
}

let core: SecurityCore;
afterEach(async () => {
  await core?.close();
});

describe("every operation of the table", () => {
  it("has a sample input (new operations must be added to test/helpers/operation-samples.ts)", async () => {
    core = await securityCore();
    expect([...core.table.keys()].filter((name) => OPERATION_SAMPLES[name] === undefined)).toEqual([]);
    // And the shared samples name no operation the table has lost.
    expect(Object.keys(OPERATION_SAMPLES).filter((name) => !core.table.has(name))).toEqual([]);
  });

  it("refuses unauthenticated, unauthorized and firewalled calls before the handler, and audits each call once", async () => {
    core = await securityCore();
    const outsider = await core.directory.createUser(core.tenant.id, {
      userPrincipalName: "outsider@contoso.test",
      displayName: "Outsider",
      password: "Outsider-password-1!",
      enabled: true,
    });
    const omni = await omnipotent(core);
    for (const original of core.table.values()) {
      const { operation, calls } = counted(original);
      const sample = sampleInput(operation.name, samples(core));
      const outsiderToken = await core.token(outsider, operation.plane);
      const adminToken = await core.token(omni, operation.plane);
      // Each call carries its own request id, which the audit record keeps as its correlation id.
      const id = (step: string): Partial<RequestMeta> => ({ clientRequestId: `${operation.name}-${step}` });
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(undefined, id("none")))), operation.name).toBe(
        "Unauthorized",
      );
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta("not-a-token", id("garbage")))), operation.name).toBe(
        "Unauthorized",
      );
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(outsiderToken, id("outsider")))), operation.name).toBe(
        "ForbiddenByRbac",
      );
      const wrongPlane = await core.token(omni, operation.plane === "data" ? "management" : "data");
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(wrongPlane, id("plane")))), operation.name).toBe(
        "Unauthorized",
      );
      expect(calls(), `${operation.name} handler reached by a refused call`).toBe(0);

      await core.pipeline.dispatch(operation, sample, core.meta(adminToken, id("allowed"))).catch(() => undefined);
      expect(calls(), `${operation.name} handler not reached by an allowed call`).toBe(1);

      const events = await core.events();
      const recorded = (step: string) => events.filter((e) => e.correlationId === `${operation.name}-${step}`);
      for (const step of ["none", "garbage", "outsider", "plane", "allowed"])
        expect(recorded(step), `${operation.name} ${step}`).toHaveLength(1);
      expect(["none", "garbage", "plane"].map((step) => recorded(step)[0]!.operationName)).toEqual([
        "Authentication",
        "Authentication",
        "Authentication",
      ]);
      const denied = recorded("outsider")[0]!;
      expect([denied.operationName, denied.resultType, denied.properties.decision, denied.identity.oid]).toEqual([
        operation.name,
        "Failure",
        "denied",
        outsider.id,
      ]);
      expect(recorded("allowed")[0]!.operationName).toBe(operation.name);
    }
  });

  it("applies HSM network rules before authentication", async () => {
    core = await securityCore();
    core.hsms.putConfigured({ ...core.hsm, networkAcls: { defaultAction: "Deny", ipRules: ["10.1.0.0/16", "2001:db8::/32"] } });
    const omni = await omnipotent(core);
    for (const original of core.table.values()) {
      if (!original.targetsHsm) continue;
      const { operation, calls } = counted(original);
      const sample = sampleInput(operation.name, samples(core));
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(undefined, { callerIp: "192.168.7.1" })))).toBe(
        "ForbiddenByFirewall",
      );
      const admin = await core.token(omni);
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(admin, { callerIp: "::ffff:10.1.2.3" })))).not.toBe(
        "ForbiddenByFirewall",
      );
      expect(await outcome(core.pipeline.dispatch(operation, sample, core.meta(admin, { callerIp: "2001:db8::5" })))).not.toBe(
        "ForbiddenByFirewall",
      );
      expect(calls()).toBe(2);
    }
  });
});

describe("fail closed on the journal", () => {
  it("refuses calls with Unavailable and runs no handler when the journal cannot be written", async () => {
    core = await securityCore({
      openJournalFile: async () => ({
        size: async () => 0,
        read: async () => Buffer.alloc(0),
        write: async () => {
          throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        },
        datasync: async () => undefined,
        truncate: async () => undefined,
        close: async () => undefined,
      }),
    });
    const { operation, calls } = counted(core.table.get("RoleDefinitionList")!);
    const token = await core.token(core.admin);
    expect(await outcome(core.pipeline.dispatch(operation, {}, core.meta(token)))).toBe("Unavailable");
    expect(await outcome(core.pipeline.dispatch(operation, {}, core.meta(token)))).toBe("Unavailable");
    // The first call ran before the journal knew it was broken but released nothing; the second never ran.
    expect(calls()).toBeLessThanOrEqual(1);
  });
});

describe("local RBAC through the pipeline", () => {
  async function user(name: string): Promise<PrincipalRecord> {
    return core.directory.createUser(core.tenant.id, {
      userPrincipalName: `${name}@contoso.test`,
      displayName: name,
      password: "Pass-word-123!",
      enabled: true,
    });
  }
  const assign = (principal: PrincipalRecord, roleDefinitionId: string, scope: string): Promise<unknown> =>
    core
      .token(core.admin)
      .then((t) =>
        core.pipeline.dispatch(
          core.table.get("RoleAssignmentCreate")!,
          { scope, roleDefinitionId, principalId: principal.id },
          core.meta(t),
        ),
      );

  it("a Policy Administrator of /keys/a manages assignments on /keys/a only", async () => {
    core = await securityCore();
    const policy = await user("policy");
    const app = await user("app");
    await assign(policy, "4bd23610-cdcf-4971-bdee-bdc562cc28e4", "/keys/a");
    const token = await core.token(policy);
    const create = core.table.get("RoleAssignmentCreate")!;
    expect(
      await outcome(
        core.pipeline.dispatch(
          create,
          { scope: "/keys/a", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: app.id },
          core.meta(token),
        ),
      ),
    ).toBe("OK");
    expect(
      await outcome(
        core.pipeline.dispatch(
          create,
          { scope: "/keys/b", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: app.id },
          core.meta(token),
        ),
      ),
    ).toBe("ForbiddenByRbac");
    expect(
      await outcome(
        core.pipeline.dispatch(create, { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: app.id }, core.meta(token)),
      ),
    ).toBe("ForbiddenByRbac");
  });

  it("a disabled principal's valid token is refused on its very next call", async () => {
    core = await securityCore();
    const auditor = await user("auditor");
    await assign(auditor, "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3", "/");
    const token = await core.token(auditor);
    const list = core.table.get("RoleAssignmentList")!;
    expect(await outcome(core.pipeline.dispatch(list, { scope: "/" }, core.meta(token)))).toBe("OK");
    await core.directory.setEnabled(core.tenant.id, auditor.id, false);
    expect(await outcome(core.pipeline.dispatch(list, { scope: "/" }, core.meta(token)))).toBe("Unauthorized");
  });

  it("removing a user from a group removes the group's grants on the next call", async () => {
    core = await securityCore();
    const member = await user("member");
    const group = await core.directory.createGroup(core.tenant.id, { displayName: "auditors" });
    await core.directory.addMember(core.tenant.id, group.id, member.id);
    await assign(group, "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3", "/");
    const token = await core.token(member);
    const list = core.table.get("RoleDefinitionList")!;
    expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(token)))).toBe("OK");
    await core.directory.removeMember(core.tenant.id, group.id, member.id);
    expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(token)))).toBe("ForbiddenByRbac");
  });

  it("refuses a token of another tenant for this HSM", async () => {
    core = await securityCore();
    const other = await core.directory.createTenant({ name: "fabrikam" });
    const stranger = await core.directory.createUser(other.id, {
      userPrincipalName: "s@fabrikam.test",
      displayName: "S",
      password: "Pass-word-123!",
      enabled: true,
    });
    expect(await outcome(core.pipeline.dispatch(core.table.get("RoleDefinitionList")!, {}, core.meta(await core.token(stranger))))).toBe(
      "Unauthorized",
    );
  });

  it("tells an unknown HSM from a known one only to an authenticated caller", async () => {
    core = await securityCore();
    const list = core.table.get("RoleDefinitionList")!;
    for (const hsmName of [core.hsm.name, "no-such-hsm"]) {
      expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(undefined, { hsmName }))), hsmName).toBe("Unauthorized");
      expect(await outcome(core.pipeline.dispatch(list, {}, core.meta("not-a-token", { hsmName }))), hsmName).toBe("Unauthorized");
    }
    const token = await core.token(core.admin);
    expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(token, { hsmName: "no-such-hsm" })))).toBe("HsmNotFound");
    // A token of a tenant this node accepts learns that the HSM does not exist; a token of another HSM's tenant still cannot use a known one.
    const other = await core.directory.createTenant({ name: "fabrikam" });
    const stranger = await core.directory.createUser(other.id, {
      userPrincipalName: "s@fabrikam.test",
      displayName: "S",
      password: "Pass-word-123!",
      enabled: true,
    });
    const strangerToken = await core.token(stranger);
    expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(strangerToken, { hsmName: "no-such-hsm" })))).toBe("HsmNotFound");
    expect(await outcome(core.pipeline.dispatch(list, {}, core.meta(strangerToken, { hsmName: core.hsm.name })))).toBe("Unauthorized");
  });

  it("does not echo a 1,000-character x-hsm-name", async () => {
    core = await securityCore();
    const token = await core.token(core.admin);
    const hsmName = "h".repeat(1000);
    const error = await core.pipeline.dispatch(core.table.get("RoleDefinitionList")!, {}, core.meta(token, { hsmName })).then(
      () => undefined,
      (e: KeyholdError) => e,
    );
    expect(error?.code).toBe("HsmNotFound");
    expect(error!.message).not.toContain("h".repeat(65));
    expect(error!.message).toContain(`'${"h".repeat(64)}...'`);
    expect((await core.events()).at(-1)!.resultDescription).toBe(error!.message);
  });

  it("answers HsmNotFound for an unknown HSM and audits it", async () => {
    core = await securityCore();
    const token = await core.token(core.admin);
    expect(await outcome(core.pipeline.dispatch(core.table.get("RoleDefinitionList")!, {}, core.meta(token, { hsmName: "nope" })))).toBe(
      "HsmNotFound",
    );
    expect((await core.events()).at(-1)!.resultSignature).toBe("NOT_FOUND");
  });
});
