/**
 * The ordered schema of the embedded store. Adding a table is one migration
 * appended here with the next version, and its PostgreSQL form with the same
 * version in src/store/postgres/migrations.ts; never edit one that has
 * shipped, since stores in the field have already applied it.
 */
import type { Migration } from "../migration.js";
import { DB_NOW_MS } from "./clock.js";

export type { Migration };

/** One trigger per table and write kind; they fire per changed row, so a write that changed nothing bumps nothing. */
function generationTriggers(tables: readonly string[]): string {
  return tables
    .flatMap((table) =>
      ["INSERT", "UPDATE", "DELETE"].map(
        (event) => `
      CREATE TRIGGER ${table}_${event.toLowerCase()}_bumps_generation AFTER ${event} ON ${table}
      BEGIN
        UPDATE change_generation SET value = value + 1 WHERE id = 1;
      END;`,
      ),
    )
    .join("\n");
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: "directory, credentials, issuer keys, local rbac",
    sql: `
      CREATE TABLE change_generation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
      );
      INSERT INTO change_generation (id, value) VALUES (1, 0);

      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE principals (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'group', 'servicePrincipal', 'managedIdentity')),
        display_name TEXT NOT NULL,
        user_principal_name TEXT,
        app_id TEXT UNIQUE,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        password_hash TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, user_principal_name COLLATE NOCASE)
        WHERE user_principal_name IS NOT NULL;
      CREATE INDEX principals_tenant_kind ON principals (tenant_id, kind);

      CREATE TABLE memberships (
        group_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, member_id)
      );
      CREATE INDEX memberships_member ON memberships (member_id);

      CREATE TABLE directory_administrators (
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        PRIMARY KEY (tenant_id, principal_id)
      );

      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('secret', 'certificate')),
        display_name TEXT NOT NULL,
        secret_hash TEXT,
        certificate_pem TEXT,
        thumbprint TEXT,
        start_at INTEGER NOT NULL,
        end_at INTEGER NOT NULL
      );
      CREATE INDEX credentials_principal ON credentials (principal_id);

      CREATE TABLE issuer_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE role_definitions (
        hsm_id TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (hsm_id, name)
      );

      -- principal_id has no foreign key: principals of trusted external issuers hold assignments too.
      CREATE TABLE role_assignments (
        hsm_id TEXT NOT NULL,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        role_definition_id TEXT NOT NULL,
        principal_id TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (hsm_id, name)
      );
      CREATE INDEX role_assignments_principal ON role_assignments (hsm_id, principal_id);
    `,
  },
  {
    version: 2,
    name: "keys, key versions, hsm domain secrets",
    sql: `
      CREATE TABLE hsm_domain_secrets (
        hsm_id TEXT PRIMARY KEY,
        sealed_secret BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE keys (
        hsm_id TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        state TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
        created_at INTEGER NOT NULL,
        deleted_date INTEGER,
        scheduled_purge_date INTEGER,
        recovery_id TEXT,
        rotation_policy TEXT,
        PRIMARY KEY (hsm_id, name)
      );
      CREATE INDEX keys_purge_due ON keys (scheduled_purge_date) WHERE state = 'deleted';
      CREATE INDEX keys_rotation ON keys (hsm_id) WHERE rotation_policy IS NOT NULL;

      CREATE TABLE key_versions (
        hsm_id TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        version TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kty TEXT NOT NULL,
        key_ops TEXT NOT NULL,
        tags TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        nbf INTEGER,
        exp INTEGER,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        public_jwk TEXT NOT NULL,
        sealed_private_jwk BLOB NOT NULL,
        PRIMARY KEY (hsm_id, name, version),
        UNIQUE (hsm_id, name, seq),
        FOREIGN KEY (hsm_id, name) REFERENCES keys (hsm_id, name) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 3,
    name: "management plane: scope tree, managed hsms, storage accounts, diagnostic settings, management rbac",
    sql: `
      -- Management groups, subscriptions and management role assignments bump change_generation (management RBAC reads them).
      CREATE TABLE management_groups (
        id TEXT PRIMARY KEY COLLATE NOCASE,
        display_name TEXT NOT NULL,
        parent_id TEXT COLLATE NOCASE REFERENCES management_groups(id),
        created_at INTEGER NOT NULL
      );

      CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY COLLATE NOCASE,
        display_name TEXT NOT NULL,
        management_group_id TEXT COLLATE NOCASE REFERENCES management_groups(id),
        created_at INTEGER NOT NULL
      );

      CREATE TABLE resource_groups (
        subscription_id TEXT NOT NULL COLLATE NOCASE REFERENCES subscriptions(id),
        name TEXT NOT NULL COLLATE NOCASE,
        location TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (subscription_id, name)
      );

      -- One row per HSM, active or soft-deleted; the name stays taken until the HSM is purged. No foreign key to its
      -- resource group: a soft-deleted HSM no longer belongs to one (ARM lists it under the subscription's location).
      CREATE TABLE managed_hsms (
        hsm_id TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL COLLATE NOCASE,
        resource_group TEXT NOT NULL COLLATE NOCASE,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        tenant_id TEXT NOT NULL,
        location TEXT NOT NULL,
        sku TEXT NOT NULL,
        tags TEXT NOT NULL,
        settings TEXT NOT NULL,
        soft_delete_retention_days INTEGER NOT NULL CHECK (soft_delete_retention_days BETWEEN 7 AND 90),
        purge_protection INTEGER NOT NULL CHECK (purge_protection IN (0, 1)),
        provisioning_state TEXT NOT NULL CHECK (provisioning_state IN ('Provisioning', 'Succeeded', 'Failed', 'Deleting')),
        activation TEXT NOT NULL CHECK (activation IN ('Activated', 'NotActivated', 'Restoring')),
        deleted_at INTEGER,
        scheduled_purge_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX managed_hsms_group ON managed_hsms (subscription_id, resource_group);

      CREATE TABLE storage_accounts (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        subscription_id TEXT NOT NULL COLLATE NOCASE,
        resource_group TEXT NOT NULL COLLATE NOCASE,
        location TEXT NOT NULL,
        sku TEXT NOT NULL,
        kind TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE diagnostic_settings (
        resource_id TEXT NOT NULL COLLATE NOCASE,
        name TEXT NOT NULL COLLATE NOCASE,
        storage_account_id TEXT NOT NULL,
        logs TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (resource_id, name)
      );

      CREATE TABLE management_role_assignments (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        scope TEXT NOT NULL,
        role_definition_id TEXT NOT NULL,
        principal_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE arm_operations (
        id TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL COLLATE NOCASE,
        resource_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('InProgress', 'Succeeded', 'Failed')),
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        error TEXT
      );
    `,
  },
  {
    version: 4,
    name: "full backup and restore jobs",
    sql: `
      -- At most one job in progress per HSM (SPEC section 8), enforced here so that two nodes cannot both start one.
      CREATE TABLE backup_jobs (
        id TEXT PRIMARY KEY,
        hsm_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('backup', 'restore', 'selectiveKeyRestore')),
        status TEXT NOT NULL CHECK (status IN ('InProgress', 'Succeeded', 'Failed')),
        storage_account TEXT NOT NULL,
        container TEXT NOT NULL,
        folder TEXT NOT NULL,
        key_name TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        error TEXT
      );
      CREATE UNIQUE INDEX backup_jobs_one_in_progress ON backup_jobs (hsm_id) WHERE status = 'InProgress';
    `,
  },
  {
    version: 5,
    name: "security domain recovery: transfer keys and upload outcomes",
    sql: `
      CREATE TABLE sd_transfer_keys (
        hsm_id TEXT PRIMARY KEY,
        sealed_key BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sd_upload_outcomes (
        hsm_id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('InProgress', 'Success', 'Failed')),
        details TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "keys, key versions and managed hsms bump change_generation",
    // So the data plane can cache the HSM and key version a call names and still see, on the next call, a change
    // made by any process. Triggers, so that no writer (present or future) can forget the bump.
    sql: generationTriggers(["keys", "key_versions", "managed_hsms"]),
  },
  {
    version: 7,
    name: "directory, local rbac and management rbac tables bump change_generation by trigger",
    // Their repositories used to bump by hand after each write; the triggers of version 6 leave no writer to forget.
    sql: generationTriggers([
      "tenants",
      "principals",
      "memberships",
      "directory_administrators",
      "role_definitions",
      "role_assignments",
      "management_groups",
      "subscriptions",
      "management_role_assignments",
    ]),
  },
  {
    version: 8,
    name: "audit outbox: the record of each committed change until its journal holds it",
    // Written in the same transaction as the change (src/store/change-records.ts), so neither exists without the
    // other; AUTOINCREMENT so an id is never reused for a later change after rows are deleted.
    sql: `
      CREATE TABLE audit_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        journal TEXT NOT NULL,
        node_id TEXT NOT NULL,
        event TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX audit_outbox_by_journal ON audit_outbox (journal, node_id, id);
    `,
  },
  {
    version: 9,
    name: "scale-out: work claims, backup job leases, storage blobs, the seal's check value",
    // Work that must happen once (key maintenance) is claimed through work_claims; a job in progress carries its
    // holder and a lease the holder renews, so a job whose node died is failed by another, never run twice. Blobs
    // live here when the store is shared (PostgreSQL); the seal row lets every node prove its seal before it serves.
    sql: `
      CREATE TABLE work_claims (
        work TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      ALTER TABLE backup_jobs ADD COLUMN holder TEXT;
      ALTER TABLE backup_jobs ADD COLUMN lease_expires_at INTEGER;
      CREATE TABLE storage_blob_accounts (
        account TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE storage_blob_containers (
        account TEXT NOT NULL REFERENCES storage_blob_accounts (account) ON DELETE CASCADE,
        container TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account, container)
      );
      CREATE TABLE storage_blobs (
        account TEXT NOT NULL,
        container TEXT NOT NULL,
        name TEXT NOT NULL,
        content BLOB NOT NULL,
        modified_at INTEGER NOT NULL,
        PRIMARY KEY (account, container, name),
        FOREIGN KEY (account, container) REFERENCES storage_blob_containers (account, container) ON DELETE CASCADE
      );
      CREATE TABLE node_seal (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kind TEXT NOT NULL CHECK (kind IN ('keyFile', 'passphrase')),
        kdf TEXT,
        check_value BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: "a change that moves the generation notifies the nodes listening",
    // PostgreSQL's twin makes the trigger NOTIFY; SQLite has no listeners (every process reads the file), so nothing.
    sql: "SELECT 1;",
  },
  {
    version: 11,
    name: "the activation of configured HSMs, and each HSM's sealed domain secret, move the generation",
    // Every node honours a restore in progress (Restoring) or an activation of a configured HSM on its next call, and
    // re-reads a domain secret replaced by another node's security-domain upload (SPEC section 14). No row: the
    // activation configuration gives (Activated).
    sql: `
      CREATE TABLE configured_hsm_activations (
        hsm_id TEXT PRIMARY KEY,
        activation TEXT NOT NULL CHECK (activation IN ('Activated', 'NotActivated', 'Restoring')),
        updated_at INTEGER NOT NULL
      );
      ${generationTriggers(["configured_hsm_activations", "hsm_domain_secrets"])}
    `,
  },
  {
    version: 12,
    name: "diagnostic-log forwarding: durable cursors, settings' enabled_at, settings move the generation",
    // Each node forwards its own journals from a cursor kept here, moved only after the append (src/management/
    // diagnostics/). A setting forwards events from when it was enabled; settings made before this migration count
    // as enabled now, so an upgraded node forwards no history the previous version may already have delivered.
    // Settings move the generation so that every node's forwarder notices a change made through another.
    sql: `
      CREATE TABLE diagnostic_cursors (
        node_id TEXT NOT NULL,
        journal TEXT NOT NULL,
        storage_account TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        since INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        record_hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (node_id, journal, storage_account, resource_id)
      );
      ALTER TABLE diagnostic_settings ADD COLUMN enabled_at INTEGER NOT NULL DEFAULT 0;
      UPDATE diagnostic_settings SET enabled_at = ${DB_NOW_MS};
      ${generationTriggers(["diagnostic_settings"])}
    `,
  },
]);
