/** GUID helpers shared by the RBAC files. GUIDs compare case-insensitively, as Entra ID and ARM treat them. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}

export const ROLE_DEFINITION_ID_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";

/** The lower-case GUID a role definition id ends with, or undefined when it names none. */
export function roleDefinitionGuidOf(roleDefinitionId: string): string | undefined {
  const lastSegment = roleDefinitionId.slice(roleDefinitionId.lastIndexOf("/") + 1);
  return isGuid(lastSegment) ? lastSegment.toLowerCase() : undefined;
}
