import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  buildCheckAccessRequest,
  buildCreateRoleAssignmentRequest,
  buildSetRoleDefinitionRequest,
  formatCheckAccess,
  formatRoleAssignments,
  resolveRoleDefinitionId,
} from "../../src/cli/role.js";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import {
  CheckAccessResponseSchema,
  DecidingAssignmentSchema,
  RoleAssignmentSchema,
} from "../../src/gen/keyhold/v1/access_control_service_pb.js";

const ALICE = "7d3f3a55-8a3e-4a8e-9c4a-1b2c3d4e5f60";
const CRYPTO_USER_GUID = "21dbd100-6940-42c2-9190-5d6cb909625b";

describe("role requests", () => {
  it("resolves --role from a built-in role name, a GUID or a definition id", () => {
    expect(MANAGED_HSM_CRYPTO_USER.name).toBe(CRYPTO_USER_GUID);
    expect(resolveRoleDefinitionId("Managed HSM Crypto User")).toBe(CRYPTO_USER_GUID);
    expect(resolveRoleDefinitionId("managed hsm crypto user")).toBe(CRYPTO_USER_GUID);
    expect(resolveRoleDefinitionId(CRYPTO_USER_GUID.toUpperCase())).toBe(CRYPTO_USER_GUID.toUpperCase());
    const id = `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${CRYPTO_USER_GUID}`;
    expect(resolveRoleDefinitionId(id)).toBe(id);
    expect(() => resolveRoleDefinitionId("Owner")).toThrow(
      /^--role: must be a role definition GUID or id, or one of the built-in roles: Managed HSM Administrator/,
    );
  });

  it("builds CreateRoleAssignment, with an optional assignment GUID", () => {
    const request = buildCreateRoleAssignmentRequest({ role: "Managed HSM Crypto User", assignee: ALICE, scope: "/keys/a" });
    expect(request).toMatchObject({ scope: "/keys/a", name: "", roleDefinitionId: CRYPTO_USER_GUID, principalId: ALICE });
    expect(() => buildCreateRoleAssignmentRequest({ role: CRYPTO_USER_GUID, assignee: ALICE, scope: "/", name: "one" })).toThrow(
      "--name: must be a GUID",
    );
    expect(() => buildCreateRoleAssignmentRequest({ role: CRYPTO_USER_GUID, assignee: ALICE })).toThrow("--scope: is required");
  });

  it("reads a custom role file in the Key Vault shape and in the ARM shape", () => {
    const permissions = [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"], notDataActions: [] }];
    const flat = buildSetRoleDefinitionRequest({ roleName: "Key Reader", description: "reads keys", permissions, assignableScopes: ["/"] });
    expect(flat.scope).toBe("/");
    expect(flat.roleDefinition).toMatchObject({ roleName: "Key Reader", description: "reads keys", assignableScopes: ["/"] });
    expect(flat.roleDefinition?.permissions[0]?.dataActions).toEqual(["Microsoft.KeyVault/managedHsm/keys/read/action"]);
    const arm = buildSetRoleDefinitionRequest({
      id: "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/1b0bd4b5-0a1b-4f45-9f6a-0d7f0f0c8e11",
      name: "1b0bd4b5-0a1b-4f45-9f6a-0d7f0f0c8e11",
      type: "Microsoft.Authorization/roleDefinitions",
      properties: { roleName: "Key Reader", type: "CustomRole", permissions },
    });
    expect(arm).toMatchObject({
      name: "1b0bd4b5-0a1b-4f45-9f6a-0d7f0f0c8e11",
      roleDefinition: { roleName: "Key Reader", type: "CustomRole" },
    });
    expect(() => buildSetRoleDefinitionRequest({ description: "x" })).toThrow("--file roleName: is required");
    expect(() => buildSetRoleDefinitionRequest({ roleName: "x", permissions: "all" })).toThrow(/^--file: is not a role definition/);
    expect(() => buildSetRoleDefinitionRequest([])).toThrow("--file: must hold a JSON object");
  });

  it("explains a CheckAccess answer", () => {
    const request = buildCheckAccessRequest({
      principal: ALICE,
      action: "Microsoft.KeyVault/managedHsm/keys/sign/action",
      scope: "/keys/a",
    });
    const assignment = create(RoleAssignmentSchema, {
      name: "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
      scope: "/keys",
      principalId: ALICE,
      roleDefinitionId: CRYPTO_USER_GUID,
    });
    const allowed = create(CheckAccessResponseSchema, {
      allowed: true,
      principalExists: true,
      principalEnabled: true,
      decidingAssignments: [
        create(DecidingAssignmentSchema, {
          roleAssignment: assignment,
          roleDefinitionId: CRYPTO_USER_GUID,
          roleName: "Managed HSM Crypto User",
        }),
      ],
    });
    expect(formatCheckAccess(request, allowed)).toBe(
      `allowed: ${ALICE} Microsoft.KeyVault/managedHsm/keys/sign/action at /keys/a\n` +
        `deciding assignment 0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f: Managed HSM Crypto User at /keys for ${ALICE}`,
    );
    const denied = create(CheckAccessResponseSchema, { allowed: false, principalExists: true, principalEnabled: false });
    expect(formatCheckAccess(request, denied)).toBe(
      `denied: ${ALICE} Microsoft.KeyVault/managedHsm/keys/sign/action at /keys/a\nthe principal is disabled\nno role assignment grants this action at this scope`,
    );
    expect(formatRoleAssignments([assignment])).toBe(
      [
        "NAME                                  SCOPE  PRINCIPAL  PRINCIPAL ID                          ROLE",
        `0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f  /keys  -          ${ALICE}  Managed HSM Crypto User`,
      ].join("\n"),
    );
    expect(formatRoleAssignments([assignment], new Map([[ALICE, "alice@contoso"]])).split("\n")[1]).toBe(
      `0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f  /keys  alice@contoso  ${ALICE}  Managed HSM Crypto User`,
    );
  });
});
