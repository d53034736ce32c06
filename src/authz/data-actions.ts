/**
 * The data actions of Managed HSM local RBAC.
 *
 * Source: the `DataAction` enum of Azure/azure-rest-api-specs
 * `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/rbac.json` (34 values, listed here in the
 * enum's order), plus `keys/rotate/action`, which the enum lacks although the built-in Crypto User role grants it
 * (MicrosoftDocs azure-docs `articles/key-vault/managed-hsm/built-in-roles.md`, 2024-01-25) and the live service
 * returns it in that role's definition. Without it a rotate operation would have no action to check and a copy of
 * the Crypto User role could not be saved as a custom role.
 */
export const DATA_ACTION_PREFIX = "Microsoft.KeyVault/managedHsm";

export const DATA_ACTIONS = Object.freeze([
  "Microsoft.KeyVault/managedHsm/keys/read/action",
  "Microsoft.KeyVault/managedHsm/keys/write/action",
  "Microsoft.KeyVault/managedHsm/keys/deletedKeys/read/action",
  "Microsoft.KeyVault/managedHsm/keys/deletedKeys/recover/action",
  "Microsoft.KeyVault/managedHsm/keys/backup/action",
  "Microsoft.KeyVault/managedHsm/keys/restore/action",
  "Microsoft.KeyVault/managedHsm/roleAssignments/delete/action",
  "Microsoft.KeyVault/managedHsm/roleAssignments/read/action",
  "Microsoft.KeyVault/managedHsm/roleAssignments/write/action",
  "Microsoft.KeyVault/managedHsm/roleDefinitions/read/action",
  "Microsoft.KeyVault/managedHsm/roleDefinitions/write/action",
  "Microsoft.KeyVault/managedHsm/roleDefinitions/delete/action",
  "Microsoft.KeyVault/managedHsm/keys/encrypt/action",
  "Microsoft.KeyVault/managedHsm/keys/decrypt/action",
  "Microsoft.KeyVault/managedHsm/keys/wrap/action",
  "Microsoft.KeyVault/managedHsm/keys/unwrap/action",
  "Microsoft.KeyVault/managedHsm/keys/sign/action",
  "Microsoft.KeyVault/managedHsm/keys/verify/action",
  "Microsoft.KeyVault/managedHsm/keys/create",
  "Microsoft.KeyVault/managedHsm/keys/delete",
  "Microsoft.KeyVault/managedHsm/keys/export/action",
  "Microsoft.KeyVault/managedHsm/keys/release/action",
  "Microsoft.KeyVault/managedHsm/keys/import/action",
  "Microsoft.KeyVault/managedHsm/keys/deletedKeys/delete",
  "Microsoft.KeyVault/managedHsm/securitydomain/download/action",
  "Microsoft.KeyVault/managedHsm/securitydomain/download/read",
  "Microsoft.KeyVault/managedHsm/securitydomain/upload/action",
  "Microsoft.KeyVault/managedHsm/securitydomain/upload/read",
  "Microsoft.KeyVault/managedHsm/securitydomain/transferkey/read",
  "Microsoft.KeyVault/managedHsm/backup/start/action",
  "Microsoft.KeyVault/managedHsm/restore/start/action",
  "Microsoft.KeyVault/managedHsm/backup/status/action",
  "Microsoft.KeyVault/managedHsm/restore/status/action",
  "Microsoft.KeyVault/managedHsm/rng/action",
  "Microsoft.KeyVault/managedHsm/keys/rotate/action",
] as const);

export type DataAction = (typeof DATA_ACTIONS)[number];

/** What follows `Microsoft.KeyVault/managedHsm/` in a known data action (`keys/sign/action`): an unknown suffix fails to compile. */
export type DataActionSuffix = DataAction extends `${typeof DATA_ACTION_PREFIX}/${infer Suffix}` ? Suffix : never;

const DATA_ACTION_SET: ReadonlySet<string> = new Set(DATA_ACTIONS);

export function isDataAction(value: unknown): value is DataAction {
  return typeof value === "string" && DATA_ACTION_SET.has(value);
}
