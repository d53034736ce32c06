/** The rows of the directory tables as both stores read and write them, and their records. */
import type { PrincipalKind, PrincipalRecord, TenantRecord } from "../records.js";

export interface TenantRow {
  id: string;
  name: string;
  created_at: number;
}

export interface PrincipalRow {
  id: string;
  tenant_id: string;
  kind: PrincipalKind;
  display_name: string;
  user_principal_name: string | null;
  app_id: string | null;
  enabled: number;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
}

export const tenantFromRow = (row: TenantRow): TenantRecord => ({ id: row.id, name: row.name, createdAt: row.created_at });

export const principalFromRow = (row: PrincipalRow): PrincipalRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  kind: row.kind,
  displayName: row.display_name,
  userPrincipalName: row.user_principal_name,
  appId: row.app_id,
  enabled: row.enabled === 1,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

// UNION (not UNION ALL) drops rows already seen, so a membership cycle ends the recursion.
export const TRANSITIVE_GROUPS_SQL = `
  WITH RECURSIVE containing(id) AS (
    SELECT m.group_id FROM memberships m JOIN principals g ON g.id = m.group_id AND g.enabled = 1
      WHERE m.member_id = ?
    UNION
    SELECT m.group_id FROM memberships m
      JOIN containing c ON m.member_id = c.id
      JOIN principals g ON g.id = m.group_id AND g.enabled = 1
  )
  SELECT id FROM containing ORDER BY id`;
