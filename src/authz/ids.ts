/** Role definition ids, role assignment ids and their GUIDs. */
import { isGuid } from "../guid.js";

export { isGuid };

export const ROLE_DEFINITION_ID_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";

/** The lower-case GUID a role definition id ends with, or undefined when it names none. */
export function roleDefinitionGuidOf(roleDefinitionId: string): string | undefined {
  const lastSegment = roleDefinitionId.slice(roleDefinitionId.lastIndexOf("/") + 1);
  return isGuid(lastSegment) ? lastSegment.toLowerCase() : undefined;
}

/**
 * `{scope}/providers/Microsoft.Authorization/{kind}/{guid}`, for an HSM's local scopes and ARM's alike; the root
 * scope "/" contributes nothing before it.
 */
export function authorizationResourceId(scope: string, kind: "roleAssignments" | "roleDefinitions", guid: string): string {
  return `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/${kind}/${guid}`;
}
