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
import type { ManagementRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import { orUndefined } from "../nullable-column.js";
import type { PgRunner } from "./runner.js";

// JSON columns hold documents this repository wrote itself.
const parse = <T>(text: string): T => JSON.parse(text) as T;

interface HsmRow {
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

const hsmFromRow = (row: HsmRow): ManagedHsmRecord => ({
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

function hsmToRow(hsm: ManagedHsmRecord): HsmRow {
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
  "hsm_id", "subscription_id", "resource_group", "name", "tenant_id", "location", "sku", "tags", "settings",
  "soft_delete_retention_days", "purge_protection", "provisioning_state", "activation", "deleted_at", "scheduled_purge_at",
  "created_at", "updated_at",
];
const INSERT_HSM = `INSERT INTO managed_hsms (${HSM_COLUMNS.join(", ")}) VALUES (${HSM_COLUMNS.map((c) => `@${c}`).join(", ")})`;
const UPDATE_HSM = `UPDATE managed_hsms SET ${HSM_COLUMNS.filter((c) => c !== "hsm_id").map((c) => `${c} = @${c}`).join(", ")} WHERE hsm_id = @hsm_id`;

interface GroupRow { id: string; display_name: string; parent_id: string | null; created_at: number }
const groupFromRow = (row: GroupRow): ManagementGroupRecord => ({
  id: row.id,
  displayName: row.display_name,
  parentId: orUndefined(row.parent_id),
  createdAt: row.created_at,
});

interface SubscriptionRow { id: string; display_name: string; management_group_id: string | null; created_at: number }
const subscriptionFromRow = (row: SubscriptionRow): SubscriptionRecord => ({
  id: row.id,
  displayName: row.display_name,
  managementGroupId: orUndefined(row.management_group_id),
  createdAt: row.created_at,
});

interface ResourceGroupRow { subscription_id: string; name: string; location: string; tags: string; created_at: number }
const resourceGroupFromRow = (row: ResourceGroupRow): ResourceGroupRecord => ({
  subscriptionId: row.subscription_id,
  name: row.name,
  location: row.location,
  tags: parse(row.tags),
  createdAt: row.created_at,
});

interface StorageRow { name: string; subscription_id: string; resource_group: string; location: string; sku: string; kind: string; tags: string; created_at: number }
const storageFromRow = (row: StorageRow): StorageAccountRecord => ({
  name: row.name,
  subscriptionId: row.subscription_id,
  resourceGroup: row.resource_group,
  location: row.location,
  sku: row.sku,
  kind: row.kind,
  tags: parse(row.tags),
  createdAt: row.created_at,
});

interface SettingRow { resource_id: string; name: string; storage_account_id: string; logs: string; created_at: number }
const settingFromRow = (row: SettingRow): DiagnosticSettingRecord => ({
  resourceId: row.resource_id,
  name: row.name,
  storageAccountId: row.storage_account_id,
  logs: parse(row.logs),
  createdAt: row.created_at,
});

interface AssignmentRow { name: string; scope: string; role_definition_id: string; principal_id: string; created_at: number }
const assignmentFromRow = (row: AssignmentRow): ManagementRoleAssignmentRecord => ({
  name: row.name,
  scope: row.scope,
  roleDefinitionId: row.role_definition_id,
  principalId: row.principal_id,
  createdAt: row.created_at,
});

interface OperationRow { id: string; subscription_id: string; resource_id: string; status: ArmOperationRecord["status"]; started_at: number; ended_at: number | null; error: string | null }
const operationFromRow = (row: OperationRow): ArmOperationRecord => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  resourceId: row.resource_id,
  status: row.status,
  startedAt: row.started_at,
  endedAt: orUndefined(row.ended_at),
  error: row.error === null ? undefined : parse(row.error),
});

/** Where the data plane keeps each HSM's state, all keyed by hsm_id; purging an HSM empties them. */
const DATA_PLANE_TABLES = ["key_versions", "keys", "hsm_domain_secrets", "role_assignments", "role_definitions", "backup_jobs", "sd_transfer_keys", "sd_upload_outcomes"] as const;

export function postgresManagementRepository(runner: PgRunner): ManagementRepository {
  return {
    putManagementGroup: (g) =>
      runner.write(async (db) => {
        await db.prepare(
          "INSERT INTO management_groups (id, display_name, parent_id, created_at) VALUES (?, ?, ?, ?) " +
            "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, parent_id = excluded.parent_id",
        ).run(g.id, g.displayName, g.parentId ?? null, g.createdAt);
      }),
    getManagementGroup: (id) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM management_groups WHERE id = ?").get(id) as GroupRow | undefined;
        return row && groupFromRow(row);
      }),
    listManagementGroups: () =>
      runner.read(async (db) => (await db.prepare("SELECT * FROM management_groups ORDER BY id").all() as GroupRow[]).map(groupFromRow)),
    deleteManagementGroup: (id) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM management_groups WHERE id = ?").run(id)).changes > 0),

    putSubscription: (s) =>
      runner.write(async (db) => {
        await db.prepare(
          "INSERT INTO subscriptions (id, display_name, management_group_id, created_at) VALUES (?, ?, ?, ?) " +
            "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, management_group_id = excluded.management_group_id",
        ).run(s.id, s.displayName, s.managementGroupId ?? null, s.createdAt);
      }),
    getSubscription: (id) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM subscriptions WHERE id = ?").get(id) as SubscriptionRow | undefined;
        return row && subscriptionFromRow(row);
      }),
    listSubscriptions: () =>
      runner.read(async (db) => (await db.prepare("SELECT * FROM subscriptions ORDER BY id").all() as SubscriptionRow[]).map(subscriptionFromRow)),

    putResourceGroup: (g) =>
      runner.write(async (db) => {
        await db.prepare(
          "INSERT INTO resource_groups (subscription_id, name, location, tags, created_at) VALUES (?, ?, ?, ?, ?) " +
            "ON CONFLICT (subscription_id, name) DO UPDATE SET tags = excluded.tags",
        ).run(g.subscriptionId, g.name, g.location, JSON.stringify(g.tags), g.createdAt);
      }),
    getResourceGroup: (subscriptionId, name) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?").get(subscriptionId, name) as
          | ResourceGroupRow
          | undefined;
        return row && resourceGroupFromRow(row);
      }),
    listResourceGroups: (subscriptionId) =>
      runner.read(async (db) =>
        (await db.prepare("SELECT * FROM resource_groups WHERE subscription_id = ? ORDER BY name").all(subscriptionId) as ResourceGroupRow[]).map(
          resourceGroupFromRow,
        ),
      ),
    deleteResourceGroup: (subscriptionId, name) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM resource_groups WHERE subscription_id = ? AND name = ?").run(subscriptionId, name)).changes > 0),

    insertManagedHsm: (hsm) =>
      runner.write(async (db) => {
        try {
          await db.prepare(INSERT_HSM).run(hsmToRow(hsm));
        } catch (error) {
          rethrowUniqueViolation(error, `The name '${hsm.name}' is already in use by another managed HSM.`);
        }
      }),
    getManagedHsm: (hsmId) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM managed_hsms WHERE hsm_id = ?").get(hsmId) as HsmRow | undefined;
        return row && hsmFromRow(row);
      }),
    findManagedHsmByName: (name) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM managed_hsms WHERE name = ?").get(name) as HsmRow | undefined;
        return row && hsmFromRow(row);
      }),
    listManagedHsms: (filter) =>
      runner.read(async (db) => {
        const rows = await db
          .prepare(
            "SELECT * FROM managed_hsms WHERE (deleted_at IS NOT NULL) = (@deleted = 1) " +
              "AND (@subscription::text IS NULL OR subscription_id = @subscription) AND (@group::text IS NULL OR resource_group = @group) ORDER BY name",
          )
          .all({ deleted: filter.deleted ? 1 : 0, subscription: filter.subscriptionId ?? null, group: filter.resourceGroup ?? null }) as HsmRow[];
        return rows.map(hsmFromRow);
      }),
    updateManagedHsm: (hsmId, patch) =>
      runner.write(async (db) => {
        const row = await db.prepare("SELECT * FROM managed_hsms WHERE hsm_id = ?").get(hsmId) as HsmRow | undefined;
        if (row === undefined) return false;
        const current = hsmFromRow(row);
        // Spread would copy explicit `undefined`s too; they mean "clear" only for the deletion dates.
        const next: ManagedHsmRecord = { ...current, ...patch };
        return (await db.prepare(UPDATE_HSM).run(hsmToRow(next))).changes > 0;
      }),
    purgeManagedHsm: (hsmId) =>
      runner.write(async (db) => {
        for (const table of DATA_PLANE_TABLES) await db.prepare(`DELETE FROM ${table} WHERE hsm_id = ?`).run(hsmId);
        return (await db.prepare("DELETE FROM managed_hsms WHERE hsm_id = ?").run(hsmId)).changes > 0;
      }),

    insertStorageAccount: (a) =>
      runner.write(async (db) => {
        try {
          await db.prepare(
            "INSERT INTO storage_accounts (name, subscription_id, resource_group, location, sku, kind, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          ).run(a.name, a.subscriptionId, a.resourceGroup, a.location, a.sku, a.kind, JSON.stringify(a.tags), a.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, `The storage account name '${a.name}' is already taken.`);
        }
      }),
    getStorageAccount: (name) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM storage_accounts WHERE name = ?").get(name) as StorageRow | undefined;
        return row && storageFromRow(row);
      }),
    listStorageAccounts: (filter) =>
      runner.read(async (db) =>
        (await db
          .prepare(
            "SELECT * FROM storage_accounts WHERE (@subscription::text IS NULL OR subscription_id = @subscription) " +
              "AND (@group::text IS NULL OR resource_group = @group) ORDER BY name",
          )
          .all({ subscription: filter.subscriptionId ?? null, group: filter.resourceGroup ?? null }) as StorageRow[]).map(storageFromRow),
      ),
    deleteStorageAccount: (name) => runner.write(async (db) => (await db.prepare("DELETE FROM storage_accounts WHERE name = ?").run(name)).changes > 0),

    putDiagnosticSetting: (s) =>
      runner.write(async (db) => {
        await db.prepare(
          "INSERT INTO diagnostic_settings (resource_id, name, storage_account_id, logs, created_at) VALUES (?, ?, ?, ?, ?) " +
            "ON CONFLICT (resource_id, name) DO UPDATE SET storage_account_id = excluded.storage_account_id, logs = excluded.logs",
        ).run(s.resourceId, s.name, s.storageAccountId, JSON.stringify(s.logs), s.createdAt);
      }),
    getDiagnosticSetting: (resourceId, name) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM diagnostic_settings WHERE resource_id = ? AND name = ?").get(resourceId, name) as
          | SettingRow
          | undefined;
        return row && settingFromRow(row);
      }),
    listDiagnosticSettings: (resourceId) =>
      runner.read(async (db) =>
        (await db
          .prepare("SELECT * FROM diagnostic_settings WHERE (@resource::text IS NULL OR resource_id = @resource) ORDER BY resource_id, name")
          .all({ resource: resourceId ?? null }) as SettingRow[]).map(settingFromRow),
      ),
    deleteDiagnosticSetting: (resourceId, name) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM diagnostic_settings WHERE resource_id = ? AND name = ?").run(resourceId, name)).changes > 0),

    insertRoleAssignment: (a) =>
      runner.write(async (db) => {
        try {
          await db.prepare(
            "INSERT INTO management_role_assignments (name, scope, role_definition_id, principal_id, created_at) VALUES (?, ?, ?, ?, ?)",
          ).run(a.name, a.scope, a.roleDefinitionId, a.principalId, a.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, `A role assignment named ${a.name} already exists.`);
        }
      }),
    getRoleAssignment: (name) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM management_role_assignments WHERE name = ?").get(name) as AssignmentRow | undefined;
        return row && assignmentFromRow(row);
      }),
    listRoleAssignments: () =>
      runner.read(async (db) =>
        (await db.prepare("SELECT * FROM management_role_assignments ORDER BY name").all() as AssignmentRow[]).map(assignmentFromRow),
      ),
    deleteRoleAssignment: (name) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM management_role_assignments WHERE name = ?").run(name)).changes > 0),

    putOperation: (o) =>
      runner.write(async (db) => {
        await db.prepare(
          "INSERT INTO arm_operations (id, subscription_id, resource_id, status, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?, ?) " +
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, error = excluded.error",
        ).run(o.id, o.subscriptionId, o.resourceId, o.status, o.startedAt, o.endedAt ?? null, o.error === undefined ? null : JSON.stringify(o.error));
      }),
    getOperation: (id) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM arm_operations WHERE id = ?").get(id) as OperationRow | undefined;
        return row && operationFromRow(row);
      }),
  };
}
