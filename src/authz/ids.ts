/** Role definition ids and their GUIDs. */
import { isGuid } from "../guid.js";

export { isGuid };

export const ROLE_DEFINITION_ID_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";

/** The lower-case GUID a role definition id ends with, or undefined when it names none. */
export function roleDefinitionGuidOf(roleDefinitionId: string): string | undefined {
  const lastSegment = roleDefinitionId.slice(roleDefinitionId.lastIndexOf("/") + 1);
  return isGuid(lastSegment) ? lastSegment.toLowerCase() : undefined;
}
