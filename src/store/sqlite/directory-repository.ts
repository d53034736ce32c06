import type { DirectoryRepository } from "../store.js";
import type { PrincipalPatch } from "../records.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { SqliteRunner } from "./runner.js";
import { type TenantRow, type PrincipalRow, tenantFromRow, principalFromRow, TRANSITIVE_GROUPS_SQL } from "../rows/directory-rows.js";

export function sqliteDirectoryRepository(runner: SqliteRunner): DirectoryRepository {
  return {
    insertTenant: (tenant) =>
      runner.write((db) => {
        try {
          db.prepare("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)").run(tenant.id, tenant.name, tenant.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, "A tenant with this id or name already exists.");
        }
      }),
    getTenant: (id) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM tenants WHERE id = ?").get(id) as TenantRow | undefined;
        return row && tenantFromRow(row);
      }),
    findTenantByName: (name) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM tenants WHERE name = ?").get(name) as TenantRow | undefined;
        return row && tenantFromRow(row);
      }),
    listTenants: () =>
      runner.read((db) => (db.prepare("SELECT * FROM tenants ORDER BY created_at, id").all() as TenantRow[]).map(tenantFromRow)),

    insertPrincipal: (p) =>
      runner.write((db) => {
        try {
          db.prepare(
            `INSERT INTO principals (id, tenant_id, kind, display_name, user_principal_name, app_id, enabled,
               password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            p.id,
            p.tenantId,
            p.kind,
            p.displayName,
            p.userPrincipalName,
            p.appId,
            p.enabled ? 1 : 0,
            p.passwordHash,
            p.createdAt,
            p.updatedAt,
          );
        } catch (error) {
          rethrowUniqueViolation(error, "A principal with this userPrincipalName, appId or id already exists.");
        }
      }),
    getPrincipal: (tenantId, id) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM principals WHERE tenant_id = ? AND id = ?").get(tenantId, id) as PrincipalRow | undefined;
        return row && principalFromRow(row);
      }),
    findPrincipalByUserPrincipalName: (tenantId, upn) =>
      runner.read((db) => {
        const row = db
          .prepare("SELECT * FROM principals WHERE tenant_id = ? AND user_principal_name = ? COLLATE NOCASE")
          .get(tenantId, upn) as PrincipalRow | undefined;
        return row && principalFromRow(row);
      }),
    findPrincipalByAppId: (appId) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM principals WHERE app_id = ?").get(appId) as PrincipalRow | undefined;
        return row && principalFromRow(row);
      }),
    listPrincipals: (tenantId, kind) =>
      runner.read((db) => {
        const rows =
          kind === undefined
            ? db.prepare("SELECT * FROM principals WHERE tenant_id = ? ORDER BY created_at, id").all(tenantId)
            : db.prepare("SELECT * FROM principals WHERE tenant_id = ? AND kind = ? ORDER BY created_at, id").all(tenantId, kind);
        return (rows as PrincipalRow[]).map(principalFromRow);
      }),
    updatePrincipal: (tenantId, id, patch: PrincipalPatch, now) =>
      runner.write((db) => {
        const result = db
          .prepare(
            `UPDATE principals SET
               display_name = COALESCE(?, display_name),
               enabled = COALESCE(?, enabled),
               password_hash = COALESCE(?, password_hash),
               updated_at = ?
             WHERE tenant_id = ? AND id = ?`,
          )
          .run(
            patch.displayName ?? null,
            patch.enabled === undefined ? null : patch.enabled ? 1 : 0,
            patch.passwordHash ?? null,
            now,
            tenantId,
            id,
          );
        return result.changes > 0;
      }),
    deletePrincipal: (tenantId, id) =>
      runner.write((db) => {
        // Memberships, credentials and administrator entries go with it (ON DELETE CASCADE).
        const result = db.prepare("DELETE FROM principals WHERE tenant_id = ? AND id = ?").run(tenantId, id);
        return result.changes > 0;
      }),

    addMembership: (groupId, memberId) =>
      runner.write((db) => {
        const result = db.prepare("INSERT OR IGNORE INTO memberships (group_id, member_id) VALUES (?, ?)").run(groupId, memberId);
        return result.changes > 0;
      }),
    removeMembership: (groupId, memberId) =>
      runner.write((db) => {
        const result = db.prepare("DELETE FROM memberships WHERE group_id = ? AND member_id = ?").run(groupId, memberId);
        return result.changes > 0;
      }),
    listMemberIds: (groupId) =>
      runner.read((db) =>
        (
          db.prepare("SELECT member_id FROM memberships WHERE group_id = ? ORDER BY member_id").all(groupId) as {
            member_id: string;
          }[]
        ).map((row) => row.member_id),
      ),
    listDirectGroupIds: (memberId) =>
      runner.read((db) =>
        (
          db.prepare("SELECT group_id FROM memberships WHERE member_id = ? ORDER BY group_id").all(memberId) as {
            group_id: string;
          }[]
        ).map((row) => row.group_id),
      ),
    listTransitiveGroupIds: (memberId) =>
      runner.read((db) => (db.prepare(TRANSITIVE_GROUPS_SQL).all(memberId) as { id: string }[]).map((row) => row.id)),

    addDirectoryAdministrator: (tenantId, principalId) =>
      runner.write((db) => {
        db.prepare("INSERT OR IGNORE INTO directory_administrators (tenant_id, principal_id) VALUES (?, ?)").run(tenantId, principalId);
      }),
    removeDirectoryAdministrator: (tenantId, principalId) =>
      runner.write((db) => {
        const result = db
          .prepare("DELETE FROM directory_administrators WHERE tenant_id = ? AND principal_id = ?")
          .run(tenantId, principalId);
        return result.changes > 0;
      }),
    listDirectoryAdministrators: (tenantId) =>
      runner.read((db) =>
        (
          db.prepare("SELECT principal_id FROM directory_administrators WHERE tenant_id = ? ORDER BY principal_id").all(tenantId) as {
            principal_id: string;
          }[]
        ).map((row) => row.principal_id),
      ),
  };
}
