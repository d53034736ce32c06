/** The rows of the management tables as both stores read and write them, and their records. */
import type {
  ArmOperationRecord,
  DiagnosticSettingRecord,
  ManagedHsmRecord,
  ManagementGroupRecord,
  ManagementRoleAssignmentRecord,
  ResourceGroupRecord,
  StorageAccountRecord,
  SubscriptionRecord,
} from "../management-records.js";
import { orUndefined } from "../nullable-column.js";

// JSON columns hold documents this repository wrote itself.
const parse = <T>(text: string): T => JSON.parse(text) as T;

export interface HsmRow {
  hsm_id: string;
  subscription_id: string;
  resource_group: string;
  name: string;
  tenant_id: string;
  location: string;
  sku: string;
  tags: string;
  settings: string;
  soft_delete_retention_days: number;
  purge_protection: number;
  provisioning_state: ManagedHsmRecord["provisioningState"];
  activation: ManagedHsmRecord["activation"];
  deleted_at: number | null;
  scheduled_purge_at: number | null;
  created_at: number;
  updated_at: number;
}

export const hsmFromRow = (row: HsmRow): ManagedHsmRecord => ({
  hsmId: row.hsm_id,
  subscriptionId: row.subscription_id,
  resourceGroup: row.resource_group,
  name: row.name,
  tenantId: row.tenant_id,
  location: row.location,
  sku: parse(row.sku),
  tags: parse(row.tags),
  settings: parse(row.settings),
  softDeleteRetentionInDays: row.soft_delete_retention_days,
  enablePurgeProtection: row.purge_protection === 1,
  provisioningState: row.provisioning_state,
  activation: row.activation,
  deletedAt: orUndefined(row.deleted_at),
  scheduledPurgeAt: orUndefined(row.scheduled_purge_at),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function hsmToRow(hsm: ManagedHsmRecord): HsmRow {
  return {
    hsm_id: hsm.hsmId,
    subscription_id: hsm.subscriptionId,
    resource_group: hsm.resourceGroup,
    name: hsm.name,
    tenant_id: hsm.tenantId,
    location: hsm.location,
    sku: JSON.stringify(hsm.sku),
    tags: JSON.stringify(hsm.tags),
    settings: JSON.stringify(hsm.settings),
    soft_delete_retention_days: hsm.softDeleteRetentionInDays,
    purge_protection: hsm.enablePurgeProtection ? 1 : 0,
    provisioning_state: hsm.provisioningState,
    activation: hsm.activation,
    deleted_at: hsm.deletedAt ?? null,
    scheduled_purge_at: hsm.scheduledPurgeAt ?? null,
    created_at: hsm.createdAt,
    updated_at: hsm.updatedAt,
  };
}

const HSM_COLUMNS: readonly (keyof HsmRow)[] = [
  "hsm_id",
  "subscription_id",
  "resource_group",
  "name",
  "tenant_id",
  "location",
  "sku",
  "tags",
  "settings",
  "soft_delete_retention_days",
  "purge_protection",
  "provisioning_state",
  "activation",
  "deleted_at",
  "scheduled_purge_at",
  "created_at",
  "updated_at",
];
export const INSERT_HSM = `INSERT INTO managed_hsms (${HSM_COLUMNS.join(", ")}) VALUES (${HSM_COLUMNS.map((c) => `@${c}`).join(", ")})`;
export const UPDATE_HSM = `UPDATE managed_hsms SET ${HSM_COLUMNS.filter((c) => c !== "hsm_id")
  .map((c) => `${c} = @${c}`)
  .join(", ")} WHERE hsm_id = @hsm_id`;

export interface GroupRow {
  id: string;
  display_name: string;
  parent_id: string | null;
  created_at: number;
}
export const groupFromRow = (row: GroupRow): ManagementGroupRecord => ({
  id: row.id,
  displayName: row.display_name,
  parentId: orUndefined(row.parent_id),
  createdAt: row.created_at,
});

export interface SubscriptionRow {
  id: string;
  display_name: string;
  management_group_id: string | null;
  created_at: number;
}
export const subscriptionFromRow = (row: SubscriptionRow): SubscriptionRecord => ({
  id: row.id,
  displayName: row.display_name,
  managementGroupId: orUndefined(row.management_group_id),
  createdAt: row.created_at,
});

export interface ResourceGroupRow {
  subscription_id: string;
  name: string;
  location: string;
  tags: string;
  created_at: number;
}
export const resourceGroupFromRow = (row: ResourceGroupRow): ResourceGroupRecord => ({
  subscriptionId: row.subscription_id,
  name: row.name,
  location: row.location,
  tags: parse(row.tags),
  createdAt: row.created_at,
});

export interface StorageRow {
  name: string;
  subscription_id: string;
  resource_group: string;
  location: string;
  sku: string;
  kind: string;
  tags: string;
  created_at: number;
}
export const storageFromRow = (row: StorageRow): StorageAccountRecord => ({
  name: row.name,
  subscriptionId: row.subscription_id,
  resourceGroup: row.resource_group,
  location: row.location,
  sku: row.sku,
  kind: row.kind,
  tags: parse(row.tags),
  createdAt: row.created_at,
});

export interface SettingRow {
  resource_id: string;
  name: string;
  storage_account_id: string;
  logs: string;
  created_at: number;
  enabled_at: number;
}
export const settingFromRow = (row: SettingRow): DiagnosticSettingRecord => ({
  resourceId: row.resource_id,
  name: row.name,
  storageAccountId: row.storage_account_id,
  logs: parse(row.logs),
  createdAt: row.created_at,
  enabledAt: Number(row.enabled_at),
});

export interface AssignmentRow {
  name: string;
  scope: string;
  role_definition_id: string;
  principal_id: string;
  created_at: number;
}
export const assignmentFromRow = (row: AssignmentRow): ManagementRoleAssignmentRecord => ({
  name: row.name,
  scope: row.scope,
  roleDefinitionId: row.role_definition_id,
  principalId: row.principal_id,
  createdAt: row.created_at,
});

export interface OperationRow {
  id: string;
  subscription_id: string;
  resource_id: string;
  status: ArmOperationRecord["status"];
  started_at: number;
  ended_at: number | null;
  error: string | null;
}
export const operationFromRow = (row: OperationRow): ArmOperationRecord => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  resourceId: row.resource_id,
  status: row.status,
  startedAt: row.started_at,
  endedAt: orUndefined(row.ended_at),
  error: row.error === null ? undefined : parse(row.error),
});

/** Where the data plane keeps each HSM's state, all keyed by hsm_id; purging an HSM empties them. */
export const DATA_PLANE_TABLES = [
  "key_versions",
  "keys",
  "hsm_domain_secrets",
  "role_assignments",
  "role_definitions",
  "backup_jobs",
  "sd_transfer_keys",
  "sd_upload_outcomes",
] as const;

/** Both stores' upsert of a configured HSM's activation (src/store/store.ts, putConfiguredHsmActivation). */
export const PUT_CONFIGURED_ACTIVATION =
  "INSERT INTO configured_hsm_activations (hsm_id, activation, updated_at) VALUES (?, ?, ?) " +
  "ON CONFLICT (hsm_id) DO UPDATE SET activation = excluded.activation, updated_at = excluded.updated_at";
