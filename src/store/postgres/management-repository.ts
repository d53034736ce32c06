import type { HsmActivationState, ManagedHsmRecord } from "../management-records.js";
import type { ManagementRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { PgRunner } from "./runner.js";
import {
  type HsmRow,
  hsmFromRow,
  hsmToRow,
  INSERT_HSM,
  UPDATE_HSM,
  type GroupRow,
  groupFromRow,
  type SubscriptionRow,
  subscriptionFromRow,
  type ResourceGroupRow,
  resourceGroupFromRow,
  type StorageRow,
  storageFromRow,
  type SettingRow,
  settingFromRow,
  type AssignmentRow,
  assignmentFromRow,
  type OperationRow,
  operationFromRow,
  DATA_PLANE_TABLES,
  PUT_CONFIGURED_ACTIVATION,
} from "../rows/management-rows.js";

export function postgresManagementRepository(runner: PgRunner): ManagementRepository {
  return {
    putManagementGroup: (g) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO management_groups (id, display_name, parent_id, created_at) VALUES (?, ?, ?, ?) " +
              "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, parent_id = excluded.parent_id",
          )
          .run(g.id, g.displayName, g.parentId ?? null, g.createdAt);
      }),
    getManagementGroup: (id) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM management_groups WHERE id = ?").get(id)) as GroupRow | undefined;
        return row && groupFromRow(row);
      }),
    listManagementGroups: () =>
      runner.read(async (db) => ((await db.prepare("SELECT * FROM management_groups ORDER BY id").all()) as GroupRow[]).map(groupFromRow)),
    deleteManagementGroup: (id) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM management_groups WHERE id = ?").run(id)).changes > 0),

    putSubscription: (s) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO subscriptions (id, display_name, management_group_id, created_at) VALUES (?, ?, ?, ?) " +
              "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, management_group_id = excluded.management_group_id",
          )
          .run(s.id, s.displayName, s.managementGroupId ?? null, s.createdAt);
      }),
    getSubscription: (id) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM subscriptions WHERE id = ?").get(id)) as SubscriptionRow | undefined;
        return row && subscriptionFromRow(row);
      }),
    listSubscriptions: () =>
      runner.read(async (db) =>
        ((await db.prepare("SELECT * FROM subscriptions ORDER BY id").all()) as SubscriptionRow[]).map(subscriptionFromRow),
      ),

    putResourceGroup: (g) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO resource_groups (subscription_id, name, location, tags, created_at) VALUES (?, ?, ?, ?, ?) " +
              "ON CONFLICT (subscription_id, name) DO UPDATE SET tags = excluded.tags",
          )
          .run(g.subscriptionId, g.name, g.location, JSON.stringify(g.tags), g.createdAt);
      }),
    getResourceGroup: (subscriptionId, name) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?").get(subscriptionId, name)) as
          | ResourceGroupRow
          | undefined;
        return row && resourceGroupFromRow(row);
      }),
    listResourceGroups: (subscriptionId) =>
      runner.read(async (db) =>
        (
          (await db
            .prepare("SELECT * FROM resource_groups WHERE subscription_id = ? ORDER BY name")
            .all(subscriptionId)) as ResourceGroupRow[]
        ).map(resourceGroupFromRow),
      ),
    deleteResourceGroup: (subscriptionId, name) =>
      runner.write(
        async (db) =>
          (await db.prepare("DELETE FROM resource_groups WHERE subscription_id = ? AND name = ?").run(subscriptionId, name)).changes > 0,
      ),

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
        const row = (await db.prepare("SELECT * FROM managed_hsms WHERE hsm_id = ?").get(hsmId)) as HsmRow | undefined;
        return row && hsmFromRow(row);
      }),
    findManagedHsmByName: (name) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM managed_hsms WHERE name = ?").get(name)) as HsmRow | undefined;
        return row && hsmFromRow(row);
      }),
    listManagedHsms: (filter) =>
      runner.read(async (db) => {
        const rows = (await db
          .prepare(
            "SELECT * FROM managed_hsms WHERE (deleted_at IS NOT NULL) = (@deleted = 1) " +
              "AND (@subscription::text IS NULL OR subscription_id = @subscription) AND (@group::text IS NULL OR resource_group = @group) ORDER BY name",
          )
          .all({
            deleted: filter.deleted ? 1 : 0,
            subscription: filter.subscriptionId ?? null,
            group: filter.resourceGroup ?? null,
          })) as HsmRow[];
        return rows.map(hsmFromRow);
      }),
    updateManagedHsm: (hsmId, patch) =>
      runner.write(async (db) => {
        // FOR UPDATE: two nodes patching the same HSM take turns, so neither writes back a row the other changed.
        const row = (await db.prepare("SELECT * FROM managed_hsms WHERE hsm_id = ? FOR UPDATE").get(hsmId)) as HsmRow | undefined;
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
    getConfiguredHsmActivation: (hsmId) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT activation FROM configured_hsm_activations WHERE hsm_id = ?").get(hsmId)) as
          | { activation: HsmActivationState }
          | undefined;
        return row?.activation;
      }),
    putConfiguredHsmActivation: (hsmId, activation, now) =>
      runner.write(async (db) => {
        await db.prepare(PUT_CONFIGURED_ACTIVATION).run(hsmId, activation, now);
      }),

    insertStorageAccount: (a) =>
      runner.write(async (db) => {
        try {
          await db
            .prepare(
              "INSERT INTO storage_accounts (name, subscription_id, resource_group, location, sku, kind, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .run(a.name, a.subscriptionId, a.resourceGroup, a.location, a.sku, a.kind, JSON.stringify(a.tags), a.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, `The storage account name '${a.name}' is already taken.`);
        }
      }),
    getStorageAccount: (name) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM storage_accounts WHERE name = ?").get(name)) as StorageRow | undefined;
        return row && storageFromRow(row);
      }),
    listStorageAccounts: (filter) =>
      runner.read(async (db) =>
        (
          (await db
            .prepare(
              "SELECT * FROM storage_accounts WHERE (@subscription::text IS NULL OR subscription_id = @subscription) " +
                "AND (@group::text IS NULL OR resource_group = @group) ORDER BY name",
            )
            .all({ subscription: filter.subscriptionId ?? null, group: filter.resourceGroup ?? null })) as StorageRow[]
        ).map(storageFromRow),
      ),
    deleteStorageAccount: (name) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM storage_accounts WHERE name = ?").run(name)).changes > 0),

    putDiagnosticSetting: (s) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO diagnostic_settings (resource_id, name, storage_account_id, logs, created_at, enabled_at) VALUES (?, ?, ?, ?, ?, ?) " +
              "ON CONFLICT (resource_id, name) DO UPDATE SET storage_account_id = excluded.storage_account_id, logs = excluded.logs, " +
              "enabled_at = excluded.enabled_at",
          )
          .run(s.resourceId, s.name, s.storageAccountId, JSON.stringify(s.logs), s.createdAt, s.enabledAt);
      }),
    getDiagnosticSetting: (resourceId, name) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM diagnostic_settings WHERE resource_id = ? AND name = ?").get(resourceId, name)) as
          | SettingRow
          | undefined;
        return row && settingFromRow(row);
      }),
    listDiagnosticSettings: (resourceId) =>
      runner.read(async (db) =>
        (
          (await db
            .prepare(
              "SELECT * FROM diagnostic_settings WHERE (@resource::text IS NULL OR resource_id = @resource) ORDER BY resource_id, name",
            )
            .all({ resource: resourceId ?? null })) as SettingRow[]
        ).map(settingFromRow),
      ),
    deleteDiagnosticSetting: (resourceId, name) =>
      runner.write(
        async (db) =>
          (await db.prepare("DELETE FROM diagnostic_settings WHERE resource_id = ? AND name = ?").run(resourceId, name)).changes > 0,
      ),

    insertRoleAssignment: (a) =>
      runner.write(async (db) => {
        try {
          await db
            .prepare(
              "INSERT INTO management_role_assignments (name, scope, role_definition_id, principal_id, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .run(a.name, a.scope, a.roleDefinitionId, a.principalId, a.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, `A role assignment named ${a.name} already exists.`);
        }
      }),
    getRoleAssignment: (name) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM management_role_assignments WHERE name = ?").get(name)) as AssignmentRow | undefined;
        return row && assignmentFromRow(row);
      }),
    listRoleAssignments: () =>
      runner.read(async (db) =>
        ((await db.prepare("SELECT * FROM management_role_assignments ORDER BY name").all()) as AssignmentRow[]).map(assignmentFromRow),
      ),
    deleteRoleAssignment: (name) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM management_role_assignments WHERE name = ?").run(name)).changes > 0),

    putOperation: (o) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO arm_operations (id, subscription_id, resource_id, status, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?, ?) " +
              "ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, error = excluded.error",
          )
          .run(
            o.id,
            o.subscriptionId,
            o.resourceId,
            o.status,
            o.startedAt,
            o.endedAt ?? null,
            o.error === undefined ? null : JSON.stringify(o.error),
          );
      }),
    getOperation: (id) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM arm_operations WHERE id = ?").get(id)) as OperationRow | undefined;
        return row && operationFromRow(row);
      }),
  };
}
