/**
 * The local role assignments an HSM starts with: its initial administrators as Managed HSM Administrators at "/".
 * Used for HSMs declared in configuration, the development HSM, and HSMs the management plane creates.
 */
import { randomUUID } from "node:crypto";
import { authorizationResourceId, HSM_ROOT_SCOPE, MANAGED_HSM_ADMINISTRATOR } from "../authz/index.js";
import type { StoreRepositories } from "../store/index.js";

/**
 * Gives each principal `roleDefinitionId` at `scope` of the HSM's local RBAC unless it already holds exactly that; a
 * principal listed twice gets one assignment. Takes the repositories so a caller's transaction can hold it.
 */
export async function ensureAssignments(
  store: Pick<StoreRepositories, "rbac">,
  hsmId: string,
  principalIds: readonly string[],
  roleDefinitionId = MANAGED_HSM_ADMINISTRATOR.id,
  scope: string = HSM_ROOT_SCOPE,
): Promise<void> {
  const existing = await store.rbac.listRoleAssignments(hsmId);
  for (const principalId of new Set(principalIds)) {
    if (existing.some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId && a.scope === scope)) continue;
    const name = randomUUID();
    await store.rbac.insertRoleAssignment(hsmId, {
      id: authorizationResourceId(scope, "roleAssignments", name),
      name,
      scope,
      roleDefinitionId,
      principalId,
    });
  }
}
