/**
 * The built-in management-plane (Azure RBAC) roles keyhold knows, with the GUIDs and actions of Azure's built-in
 * roles list. They carry `actions` (management plane) and, for blob data, `dataActions` of Microsoft.Storage; never
 * a Managed HSM data action: local RBAC is the only way into an HSM (SPEC section 1, isolation rule).
 *
 * authz's RoleDefinitionType has no ARM "BuiltInRole"; the evaluator never reads `type`, and the ARM rendering
 * (role-definition-resource.ts) says "BuiltInRole".
 */
import { builtInRoleDefinition, type Permission, type RoleDefinition } from "../../authz/index.js";
import { authorizationResourceId, ROOT_SCOPE } from "../../arm/arm-ids.js";

function builtInRole(guid: string, roleName: string, description: string, permissions: Partial<Permission>): RoleDefinition {
  const id = authorizationResourceId(ROOT_SCOPE, "roleDefinitions", guid);
  return builtInRoleDefinition({ id, guid, roleName, description, permissions, assignableScope: ROOT_SCOPE });
}

const CONTAINERS = "Microsoft.Storage/storageAccounts/blobServices/containers";

export const OWNER = builtInRole(
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "Owner",
  "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
  { actions: ["*"] },
);

export const CONTRIBUTOR = builtInRole(
  "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "Contributor",
  "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
  {
    actions: ["*"],
    notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"],
  },
);

export const READER = builtInRole(
  "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Reader",
  "View all resources, but does not allow you to make any changes.",
  { actions: ["*/read"] },
);

export const USER_ACCESS_ADMINISTRATOR = builtInRole(
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  "User Access Administrator",
  "Lets you manage user access to Azure resources.",
  { actions: ["*/read", "Microsoft.Authorization/*"] },
);

export const MANAGED_HSM_CONTRIBUTOR = builtInRole(
  "18500a29-7fe2-46b2-a342-b16a415e101d",
  "Managed HSM contributor",
  "Lets you manage managed HSM pools, but not access to them.",
  {
    actions: [
      "Microsoft.KeyVault/managedHSMs/*",
      "Microsoft.KeyVault/deletedManagedHsms/*",
      "Microsoft.KeyVault/locations/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Insights/diagnosticSettings/*",
    ],
  },
);

export const STORAGE_BLOB_DATA_READER = builtInRole(
  "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Reader",
  "Read and list Azure Storage containers and blobs.",
  {
    actions: [`${CONTAINERS}/read`],
    dataActions: [`${CONTAINERS}/blobs/read`],
  },
);

export const STORAGE_BLOB_DATA_CONTRIBUTOR = builtInRole(
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage Blob Data Contributor",
  "Read, write, and delete Azure Storage containers and blobs.",
  {
    actions: [`${CONTAINERS}/read`, `${CONTAINERS}/write`, `${CONTAINERS}/delete`],
    dataActions: [`${CONTAINERS}/blobs/read`, `${CONTAINERS}/blobs/write`, `${CONTAINERS}/blobs/delete`],
  },
);

export const MANAGEMENT_BUILT_IN_ROLES: readonly RoleDefinition[] = Object.freeze([
  OWNER,
  CONTRIBUTOR,
  READER,
  USER_ACCESS_ADMINISTRATOR,
  MANAGED_HSM_CONTRIBUTOR,
  STORAGE_BLOB_DATA_READER,
  STORAGE_BLOB_DATA_CONTRIBUTOR,
]);

/** The built-in role with that GUID (any case), if any. */
export function managementRoleByGuid(guid: string): RoleDefinition | undefined {
  const wanted = guid.toLowerCase();
  return MANAGEMENT_BUILT_IN_ROLES.find((role) => role.name === wanted);
}

/** `Owner`, `managed hsm contributor`, ...: the built-in role with that name, ignoring case. */
export function managementRoleByName(roleName: string): RoleDefinition | undefined {
  const wanted = roleName.trim().toLowerCase();
  return MANAGEMENT_BUILT_IN_ROLES.find((role) => role.roleName.toLowerCase() === wanted);
}
