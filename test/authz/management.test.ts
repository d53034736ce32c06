import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import {
  BUILT_IN_ROLES,
  DATA_ACTIONS,
  MANAGED_HSM_CRYPTO_USER,
  MANAGED_HSM_POLICY_ADMINISTRATOR,
  assignmentAuthorization,
  canDeleteRoleDefinition,
  decide,
  explainCheckAccess,
  hsmScopeRule,
  validateRoleAssignment,
  validateRoleDefinition,
  validateRoleDefinitionScope,
} from "../../src/authz/index.js";
import { assignment, customRole, permission } from "./helpers.js";

function refusal(run: () => unknown): KeyholdError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyholdError);
    return error as KeyholdError;
  }
  throw new Error("expected a KeyholdError");
}

const SIGN = "Microsoft.KeyVault/managedHsm/keys/sign/action";

function roleInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: randomUUID(),
    roleName: "Signer",
    description: "signs",
    permissions: [{ dataActions: [SIGN, "Microsoft.KeyVault/managedHsm/keys/read/*"], notDataActions: [] }],
    assignableScopes: ["/"],
    ...overrides,
  };
}

describe("validateRoleDefinition", () => {
  it("returns the custom role as stored", () => {
    const name = randomUUID().toUpperCase();
    const role = validateRoleDefinition(roleInput({ name }), DATA_ACTIONS);
    expect(role).toEqual({
      id: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${name.toLowerCase()}`,
      name: name.toLowerCase(),
      roleName: "Signer",
      description: "signs",
      type: "CustomRole",
      permissions: [{ actions: [], notActions: [], dataActions: [SIGN, "Microsoft.KeyVault/managedHsm/keys/read/*"], notDataActions: [] }],
      assignableScopes: ["/"],
    });
    expect(
      validateRoleDefinition(roleInput({ permissions: [{ dataActions: ["*"] }], assignableScopes: undefined }), DATA_ACTIONS)
        .assignableScopes,
    ).toEqual(["/"]);
  });

  it("accepts a copy of a built-in role under a new GUID and name", () => {
    const copy = { ...MANAGED_HSM_CRYPTO_USER, name: randomUUID(), roleName: "My crypto user", type: "CustomRole" };
    expect(validateRoleDefinition(copy, DATA_ACTIONS).permissions).toEqual(MANAGED_HSM_CRYPTO_USER.permissions);
  });

  it("names the field of each mistake", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [roleInput({ name: "not-a-guid" }), "name"],
      [roleInput({ roleName: "" }), "roleName"],
      [roleInput({ roleName: 7 }), "roleName"],
      [roleInput({ description: 7 }), "description"],
      [roleInput({ type: "AKVBuiltInRole" }), "type"],
      [roleInput({ permissions: [] }), "permissions"],
      [roleInput({ permissions: [null] }), "permissions[0]"],
      [
        roleInput({ permissions: [{ dataActions: [SIGN] }, { dataActions: [SIGN, "Microsoft.KeyVault/managedHsm/keys/fly/action"] }] }),
        "permissions[1].dataActions[1]",
      ],
      [roleInput({ permissions: [{ dataActions: ["Microsoft.KeyVault/vaults/*"] }] }), "permissions[0].dataActions[0]"],
      [roleInput({ permissions: [{ dataActions: [SIGN], notDataActions: ["nope"] }] }), "permissions[0].notDataActions[0]"],
      [roleInput({ permissions: [{ dataActions: "*" }] }), "permissions[0].dataActions"],
      [roleInput({ permissions: [{ actions: ["*"], dataActions: [SIGN] }] }), "permissions[0].actions"],
      [roleInput({ permissions: [{ dataActions: [SIGN], extra: [] }] }), "permissions[0].extra"],
      [roleInput({ assignableScopes: [] }), "assignableScopes"],
      [roleInput({ assignableScopes: ["/", "/secrets"] }), "assignableScopes[1]"],
    ];
    for (const [input, field] of cases) {
      const error = refusal(() => validateRoleDefinition(input, DATA_ACTIONS));
      expect([error.code, error.field]).toEqual(["BadParameter", field]);
      expect(error.message.startsWith(`${field}:`)).toBe(true);
    }
    expect(refusal(() => validateRoleDefinition("x", DATA_ACTIONS)).field).toBe("roleDefinition");
  });

  it("never lets a built-in role be written", () => {
    const error = refusal(() => validateRoleDefinition(roleInput({ name: MANAGED_HSM_CRYPTO_USER.name.toUpperCase() }), DATA_ACTIONS));
    expect(error.code).toBe("OperationNotAllowed");
  });

  it("refuses a second role with the same roleName, but lets a role keep its own name on update", () => {
    const existing = validateRoleDefinition(roleInput(), DATA_ACTIONS);
    expect(refusal(() => validateRoleDefinition(roleInput({ roleName: "SIGNER" }), DATA_ACTIONS, { existing: [existing] })).code).toBe(
      "Conflict",
    );
    expect(refusal(() => validateRoleDefinition(roleInput({ roleName: "Managed HSM Backup" }), DATA_ACTIONS)).code).toBe("Conflict");
    expect(validateRoleDefinition(roleInput({ name: existing.name }), DATA_ACTIONS, { existing: [existing] }).name).toBe(existing.name);
  });

  it("keeps definitions at / only", () => {
    expect(validateRoleDefinitionScope("/")).toBe("/");
    expect(refusal(() => validateRoleDefinitionScope("/keys/a")).field).toBe("scope");
  });
});

describe("canDeleteRoleDefinition", () => {
  it("refuses built-ins and definitions still assigned", () => {
    for (const role of BUILT_IN_ROLES) expect(refusal(() => canDeleteRoleDefinition(role, [])).code).toBe("OperationNotAllowed");
    const custom = customRole("c", [permission({ dataActions: [SIGN] })]);
    const held = assignment(randomUUID(), custom);
    expect(refusal(() => canDeleteRoleDefinition(custom, [held])).code).toBe("Conflict");
    expect(canDeleteRoleDefinition(custom, [assignment(randomUUID(), MANAGED_HSM_CRYPTO_USER)])).toBeUndefined();
  });
});

describe("assignment management", () => {
  it("needs roleAssignments write/delete at the assignment's own scope", () => {
    expect(assignmentAuthorization("write", "/keys/a")).toEqual({
      dataAction: "Microsoft.KeyVault/managedHsm/roleAssignments/write/action",
      scope: "/keys/a",
    });
    expect(assignmentAuthorization("delete", "/")).toEqual({
      dataAction: "Microsoft.KeyVault/managedHsm/roleAssignments/delete/action",
      scope: "/",
    });
    expect(refusal(() => assignmentAuthorization("write", "/keys/")).field).toBe("scope");
  });

  it("a Policy Administrator of /keys/a manages assignments on /keys/a only", () => {
    const admin = randomUUID();
    const state = { definitions: BUILT_IN_ROLES, assignments: [assignment(admin, MANAGED_HSM_POLICY_ADMINISTRATOR, "/keys/a")] };
    const may = (op: "write" | "delete", scope: string) => {
      const needed = assignmentAuthorization(op, scope);
      return decide({ principalIds: [admin], action: needed.dataAction, target: needed.scope }, state, {
        rule: hsmScopeRule,
        plane: "data",
      }).allowed;
    };
    expect([may("write", "/keys/a"), may("delete", "/keys/a")]).toEqual([true, true]);
    expect([may("write", "/keys/b"), may("write", "/"), may("write", "/keys"), may("delete", "/keys/b")]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it("validates an assignment against existing definitions and their assignable scopes", () => {
    const name = randomUUID();
    const principalId = randomUUID();
    const keysOnly = { ...customRole("keys only", [permission({ dataActions: [SIGN] })]), assignableScopes: ["/keys/a"] };
    const definitions = [...BUILT_IN_ROLES, keysOnly];
    const input = {
      name,
      scope: "/keys/a",
      principalId,
      roleDefinitionId: `/keys/providers/Microsoft.Authorization/roleDefinitions/${MANAGED_HSM_CRYPTO_USER.name}`,
    };
    expect(validateRoleAssignment(input, definitions)).toEqual({
      id: `/keys/a/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope: "/keys/a",
      roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id,
      principalId,
    });
    expect(validateRoleAssignment({ ...input, scope: "/" }, definitions).id).toBe(
      `/providers/Microsoft.Authorization/roleAssignments/${name}`,
    );
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...input, name: "x" }, "name"],
      [{ ...input, scope: "/vaults" }, "scope"],
      [{ ...input, principalId: "bob" }, "principalId"],
      [{ ...input, roleDefinitionId: "Crypto User" }, "roleDefinitionId"],
      [{ ...input, roleDefinitionId: randomUUID() }, "roleDefinitionId"],
      [{ ...input, roleDefinitionId: keysOnly.id, scope: "/keys/b" }, "scope"],
    ];
    for (const [bad, field] of cases) {
      const error = refusal(() => validateRoleAssignment(bad, definitions));
      expect([error.code, error.field]).toEqual(["BadParameter", field]);
    }
    expect(validateRoleAssignment({ ...input, roleDefinitionId: keysOnly.id }, definitions).roleDefinitionId).toBe(keysOnly.id);
  });
});

describe("explainCheckAccess", () => {
  it("returns the decision and the deciding assignments with their role names", () => {
    const user = randomUUID();
    const group = randomUUID();
    const viaUser = assignment(user, MANAGED_HSM_CRYPTO_USER, "/keys/a");
    const viaGroup = assignment(group, MANAGED_HSM_CRYPTO_USER);
    const unrelated = assignment(group, MANAGED_HSM_POLICY_ADMINISTRATOR);
    const state = { definitions: BUILT_IN_ROLES, assignments: [viaUser, viaGroup, unrelated] };
    const options = { rule: hsmScopeRule, plane: "data" as const };
    expect(explainCheckAccess({ principalIds: [user, group], action: SIGN, target: "/keys/a" }, state, options)).toEqual({
      allowed: true,
      decidingAssignments: [
        { assignment: viaUser, roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, roleName: "Managed HSM Crypto User" },
        { assignment: viaGroup, roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, roleName: "Managed HSM Crypto User" },
      ],
    });
    expect(explainCheckAccess({ principalIds: [user], action: SIGN, target: "/keys/b" }, state, options)).toEqual({
      allowed: false,
      decidingAssignments: [],
    });
  });
});
