import { randomUUID } from "node:crypto";
import type { Permission, RoleAssignment, RoleDefinition } from "../../src/authz/index.js";

export function permission(partial: Partial<Permission>): Permission {
  return { actions: [], notActions: [], dataActions: [], notDataActions: [], ...partial };
}

export function customRole(roleName: string, permissions: Permission[], name: string = randomUUID()): RoleDefinition {
  return {
    id: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${name}`,
    name,
    roleName,
    description: "",
    type: "CustomRole",
    permissions,
    assignableScopes: ["/"],
  };
}

export function assignment(principalId: string, role: RoleDefinition | string, scope = "/"): RoleAssignment {
  const name = randomUUID();
  return {
    id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    scope,
    roleDefinitionId: typeof role === "string" ? role : role.id,
    principalId,
  };
}
