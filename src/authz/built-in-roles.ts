/**
 * The nine built-in roles of Managed HSM local RBAC: names, GUIDs and data actions exactly as the permission matrix
 * of MicrosoftDocs azure-docs `articles/key-vault/managed-hsm/built-in-roles.md` (2024-01-25), which SPEC section 6
 * adopts through `reference/azure-managed-hsm.md` section 2. The live service grants a few more than the matrix
 * shows (Crypto Officer `keys/export/action`, Administrator `securitydomain/download/read`, Crypto User
 * `rng/action`); SPEC decides, so they are not granted here.
 */
import { DATA_ACTION_PREFIX, type DataAction } from "./data-actions.js";
import { ROLE_DEFINITION_ID_PREFIX } from "./ids.js";
import type { Permission, RoleDefinition } from "./model.js";

type DataActionSuffix = DataAction extends `${typeof DATA_ACTION_PREFIX}${infer Suffix}` ? Suffix : never;

const ROLE_READ: readonly DataActionSuffix[] = ["/roleAssignments/read/action", "/roleDefinitions/read/action"];
const ROLE_MANAGE: readonly DataActionSuffix[] = [
  ...ROLE_READ,
  "/roleAssignments/write/action",
  "/roleAssignments/delete/action",
  "/roleDefinitions/write/action",
  "/roleDefinitions/delete/action",
];

/** A frozen built-in role definition: one permission block, whatever it leaves out empty (local and management RBAC alike). */
export function builtInRoleDefinition(role: {
  readonly id: string;
  readonly guid: string;
  readonly roleName: string;
  readonly description: string;
  readonly permissions: Partial<Permission>;
  readonly assignableScope: string;
}): RoleDefinition {
  const list = (values: readonly string[] | undefined): readonly string[] => Object.freeze([...(values ?? [])]);
  return Object.freeze({
    id: role.id,
    name: role.guid,
    roleName: role.roleName,
    description: role.description,
    type: "AKVBuiltInRole",
    permissions: Object.freeze([
      Object.freeze({
        actions: list(role.permissions.actions),
        notActions: list(role.permissions.notActions),
        dataActions: list(role.permissions.dataActions),
        notDataActions: list(role.permissions.notDataActions),
      }),
    ]),
    assignableScopes: Object.freeze([role.assignableScope]),
  });
}

function builtInRole(guid: string, roleName: string, description: string, dataActions: readonly DataActionSuffix[]): RoleDefinition {
  return builtInRoleDefinition({
    id: ROLE_DEFINITION_ID_PREFIX + guid,
    guid,
    roleName,
    description,
    permissions: { dataActions: dataActions.map((suffix) => DATA_ACTION_PREFIX + suffix) },
    assignableScope: "/",
  });
}

export const MANAGED_HSM_ADMINISTRATOR = builtInRole(
  "a290e904-7015-4bba-90c8-60543313cdb4",
  "Managed HSM Administrator",
  "Security domain, full backup and restore, and role management; no key operations.",
  [
    "/securitydomain/download/action",
    "/securitydomain/upload/action",
    "/securitydomain/upload/read",
    "/securitydomain/transferkey/read",
    ...ROLE_MANAGE,
    "/backup/start/action",
    "/backup/status/action",
    "/restore/start/action",
    "/restore/status/action",
  ],
);

export const MANAGED_HSM_CRYPTO_OFFICER = builtInRole(
  "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
  "Managed HSM Crypto Officer",
  "Role management and purge or recovery of deleted keys.",
  ["/keys/deletedKeys/read/action", "/keys/deletedKeys/recover/action", "/keys/deletedKeys/delete", ...ROLE_MANAGE],
);

export const MANAGED_HSM_CRYPTO_USER = builtInRole(
  "21dbd100-6940-42c2-9190-5d6cb909625b",
  "Managed HSM Crypto User",
  "All key management and cryptographic operations except purge, recovery and export.",
  [
    "/keys/read/action",
    "/keys/write/action",
    "/keys/rotate/action",
    "/keys/create",
    "/keys/delete",
    "/keys/backup/action",
    "/keys/restore/action",
    "/keys/release/action",
    "/keys/import/action",
    "/keys/encrypt/action",
    "/keys/decrypt/action",
    "/keys/wrap/action",
    "/keys/unwrap/action",
    "/keys/sign/action",
    "/keys/verify/action",
    ...ROLE_READ,
  ],
);

export const MANAGED_HSM_POLICY_ADMINISTRATOR = builtInRole(
  "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
  "Managed HSM Policy Administrator",
  "Create and delete role assignments.",
  ROLE_MANAGE,
);

export const MANAGED_HSM_CRYPTO_AUDITOR = builtInRole(
  "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
  "Managed HSM Crypto Auditor",
  "Read (not use) key attributes.",
  // deletedKeys/delete is in the documented matrix for this role; kept because SPEC says "exactly".
  ["/keys/read/action", "/keys/deletedKeys/delete", ...ROLE_READ],
);

const MANAGED_HSM_CRYPTO_SERVICE_ENCRYPTION_USER = builtInRole(
  "33413926-3206-4cdd-b39a-83574fe37a17",
  "Managed HSM Crypto Service Encryption User",
  "Use a key for service encryption (read, wrap, unwrap).",
  ["/keys/read/action", "/keys/wrap/action", "/keys/unwrap/action"],
);

const MANAGED_HSM_CRYPTO_SERVICE_RELEASE_USER = builtInRole(
  "21dbd100-6940-42c2-9190-5d6cb909625c",
  "Managed HSM Crypto Service Release User",
  "Release a key to a trusted execution environment.",
  ["/keys/release/action"],
);

export const MANAGED_HSM_BACKUP = builtInRole(
  "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8",
  "Managed HSM Backup",
  "Single-key or whole-HSM backup.",
  ["/keys/backup/action", "/backup/start/action", "/backup/status/action"],
);

export const MANAGED_HSM_RESTORE = builtInRole(
  "6efe6056-5259-49d2-8b3d-d3d73544b20b",
  "Managed HSM Restore",
  "Single-key or whole-HSM restore.",
  ["/keys/restore/action", "/restore/start/action", "/restore/status/action"],
);

export const BUILT_IN_ROLES: readonly RoleDefinition[] = Object.freeze([
  MANAGED_HSM_ADMINISTRATOR,
  MANAGED_HSM_CRYPTO_OFFICER,
  MANAGED_HSM_CRYPTO_USER,
  MANAGED_HSM_POLICY_ADMINISTRATOR,
  MANAGED_HSM_CRYPTO_AUDITOR,
  MANAGED_HSM_CRYPTO_SERVICE_ENCRYPTION_USER,
  MANAGED_HSM_CRYPTO_SERVICE_RELEASE_USER,
  MANAGED_HSM_BACKUP,
  MANAGED_HSM_RESTORE,
]);

const BUILT_IN_GUIDS: ReadonlySet<string> = new Set(BUILT_IN_ROLES.map((role) => role.name.toLowerCase()));

export function isBuiltInRoleGuid(guid: string): boolean {
  return BUILT_IN_GUIDS.has(guid.toLowerCase());
}
