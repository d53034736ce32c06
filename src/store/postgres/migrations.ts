/**
 * The ordered schema of the PostgreSQL store: the SQLite store's migrations (src/store/sqlite/migrations.ts),
 * version for version, in PostgreSQL's types. Adding a table is one migration appended to each list with the same
 * version; never edit one that has shipped.
 *
 * Integers are BIGINT (times are milliseconds; pg's int8 parser is set to return numbers, src/store/postgres/postgres-store.ts),
 * blobs BYTEA, JSON stays TEXT as the SQLite side stores it. Text compares as SQLite's default BINARY does
 * (COLLATE "C"); SQLite's COLLATE NOCASE columns use `keyhold_nocase`, a nondeterministic ICU collation that
 * compares ignoring case (strength 2), so uniqueness, equality and ordering ignore case as they do in SQLite.
 */
import type { Migration } from "../migration.js";
import { DB_NOW_MS } from "./clock.js";

const TEXT = 'TEXT COLLATE "C"';
const NOCASE = "TEXT COLLATE keyhold_nocase";

/** One row trigger per table; it fires per changed row, so a write that changed nothing bumps nothing. */
function generationTriggers(tables: readonly string[]): string {
  return tables
    .map(
      (table) => `
      CREATE TRIGGER ${table}_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION keyhold_bump_generation();`,
    )
    .join("\n");
}

export const PG_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: "directory, credentials, issuer keys, local rbac",
    sql: `
      CREATE COLLATION IF NOT EXISTS keyhold_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

      CREATE TABLE change_generation (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        value BIGINT NOT NULL
      );
      INSERT INTO change_generation (id, value) VALUES (1, 0);

      CREATE FUNCTION keyhold_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE change_generation SET value = value + 1 WHERE id = 1;
        RETURN NULL;
      END
      $$;

      CREATE TABLE tenants (
        id ${TEXT} PRIMARY KEY,
        name ${TEXT} NOT NULL UNIQUE,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE principals (
        id ${TEXT} PRIMARY KEY,
        tenant_id ${TEXT} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind ${TEXT} NOT NULL CHECK (kind IN ('user', 'group', 'servicePrincipal', 'managedIdentity')),
        display_name ${TEXT} NOT NULL,
        user_principal_name ${TEXT},
        app_id ${TEXT} UNIQUE,
        enabled BIGINT NOT NULL CHECK (enabled IN (0, 1)),
        password_hash ${TEXT},
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, user_principal_name COLLATE keyhold_nocase)
        WHERE user_principal_name IS NOT NULL;
      CREATE INDEX principals_tenant_kind ON principals (tenant_id, kind);

      CREATE TABLE memberships (
        group_id ${TEXT} NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        member_id ${TEXT} NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, member_id)
      );
      CREATE INDEX memberships_member ON memberships (member_id);

      CREATE TABLE directory_administrators (
        tenant_id ${TEXT} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        principal_id ${TEXT} NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        PRIMARY KEY (tenant_id, principal_id)
      );

      CREATE TABLE credentials (
        id ${TEXT} PRIMARY KEY,
        principal_id ${TEXT} NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        kind ${TEXT} NOT NULL CHECK (kind IN ('secret', 'certificate')),
        display_name ${TEXT} NOT NULL,
        secret_hash ${TEXT},
        certificate_pem ${TEXT},
        thumbprint ${TEXT},
        start_at BIGINT NOT NULL,
        end_at BIGINT NOT NULL
      );
      CREATE INDEX credentials_principal ON credentials (principal_id);

      CREATE TABLE issuer_keys (
        kid ${TEXT} PRIMARY KEY,
        alg ${TEXT} NOT NULL,
        private_jwk ${TEXT} NOT NULL,
        public_jwk ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE role_definitions (
        hsm_id ${TEXT} NOT NULL,
        name ${TEXT} NOT NULL,
        body ${TEXT} NOT NULL,
        PRIMARY KEY (hsm_id, name)
      );

      -- principal_id has no foreign key: principals of trusted external issuers hold assignments too.
      CREATE TABLE role_assignments (
        hsm_id ${TEXT} NOT NULL,
        name ${TEXT} NOT NULL,
        scope ${TEXT} NOT NULL,
        role_definition_id ${TEXT} NOT NULL,
        principal_id ${TEXT} NOT NULL,
        id ${TEXT} NOT NULL,
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
        hsm_id ${TEXT} PRIMARY KEY,
        sealed_secret BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE keys (
        hsm_id ${TEXT} NOT NULL,
        name ${NOCASE} NOT NULL,
        state ${TEXT} NOT NULL CHECK (state IN ('active', 'deleted')),
        created_at BIGINT NOT NULL,
        deleted_date BIGINT,
        scheduled_purge_date BIGINT,
        recovery_id ${TEXT},
        rotation_policy ${TEXT},
        PRIMARY KEY (hsm_id, name)
      );
      CREATE INDEX keys_purge_due ON keys (scheduled_purge_date) WHERE state = 'deleted';
      CREATE INDEX keys_rotation ON keys (hsm_id) WHERE rotation_policy IS NOT NULL;

      CREATE TABLE key_versions (
        hsm_id ${TEXT} NOT NULL,
        name ${NOCASE} NOT NULL,
        version ${TEXT} NOT NULL,
        seq BIGINT NOT NULL,
        kty ${TEXT} NOT NULL,
        key_ops ${TEXT} NOT NULL,
        tags ${TEXT} NOT NULL,
        enabled BIGINT NOT NULL CHECK (enabled IN (0, 1)),
        nbf BIGINT,
        exp BIGINT,
        created BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        public_jwk ${TEXT} NOT NULL,
        sealed_private_jwk BYTEA NOT NULL,
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
      CREATE TABLE management_groups (
        id ${NOCASE} PRIMARY KEY,
        display_name ${TEXT} NOT NULL,
        parent_id ${NOCASE} REFERENCES management_groups(id),
        created_at BIGINT NOT NULL
      );

      CREATE TABLE subscriptions (
        id ${NOCASE} PRIMARY KEY,
        display_name ${TEXT} NOT NULL,
        management_group_id ${NOCASE} REFERENCES management_groups(id),
        created_at BIGINT NOT NULL
      );

      CREATE TABLE resource_groups (
        subscription_id ${NOCASE} NOT NULL REFERENCES subscriptions(id),
        name ${NOCASE} NOT NULL,
        location ${TEXT} NOT NULL,
        tags ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (subscription_id, name)
      );

      CREATE TABLE managed_hsms (
        hsm_id ${TEXT} PRIMARY KEY,
        subscription_id ${NOCASE} NOT NULL,
        resource_group ${NOCASE} NOT NULL,
        name ${NOCASE} NOT NULL UNIQUE,
        tenant_id ${TEXT} NOT NULL,
        location ${TEXT} NOT NULL,
        sku ${TEXT} NOT NULL,
        tags ${TEXT} NOT NULL,
        settings ${TEXT} NOT NULL,
        soft_delete_retention_days BIGINT NOT NULL CHECK (soft_delete_retention_days BETWEEN 7 AND 90),
        purge_protection BIGINT NOT NULL CHECK (purge_protection IN (0, 1)),
        provisioning_state ${TEXT} NOT NULL CHECK (provisioning_state IN ('Provisioning', 'Succeeded', 'Failed', 'Deleting')),
        activation ${TEXT} NOT NULL CHECK (activation IN ('Activated', 'NotActivated', 'Restoring')),
        deleted_at BIGINT,
        scheduled_purge_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX managed_hsms_group ON managed_hsms (subscription_id, resource_group);

      CREATE TABLE storage_accounts (
        name ${NOCASE} PRIMARY KEY,
        subscription_id ${NOCASE} NOT NULL,
        resource_group ${NOCASE} NOT NULL,
        location ${TEXT} NOT NULL,
        sku ${TEXT} NOT NULL,
        kind ${TEXT} NOT NULL,
        tags ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE diagnostic_settings (
        resource_id ${NOCASE} NOT NULL,
        name ${NOCASE} NOT NULL,
        storage_account_id ${TEXT} NOT NULL,
        logs ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (resource_id, name)
      );

      CREATE TABLE management_role_assignments (
        name ${NOCASE} PRIMARY KEY,
        scope ${TEXT} NOT NULL,
        role_definition_id ${TEXT} NOT NULL,
        principal_id ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE arm_operations (
        id ${TEXT} PRIMARY KEY,
        subscription_id ${NOCASE} NOT NULL,
        resource_id ${TEXT} NOT NULL,
        status ${TEXT} NOT NULL CHECK (status IN ('InProgress', 'Succeeded', 'Failed')),
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        error ${TEXT}
      );
    `,
  },
  {
    version: 4,
    name: "full backup and restore jobs",
    sql: `
      CREATE TABLE backup_jobs (
        id ${TEXT} PRIMARY KEY,
        hsm_id ${TEXT} NOT NULL,
        kind ${TEXT} NOT NULL CHECK (kind IN ('backup', 'restore', 'selectiveKeyRestore')),
        status ${TEXT} NOT NULL CHECK (status IN ('InProgress', 'Succeeded', 'Failed')),
        storage_account ${TEXT} NOT NULL,
        container ${TEXT} NOT NULL,
        folder ${TEXT} NOT NULL,
        key_name ${TEXT},
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        error ${TEXT}
      );
      CREATE UNIQUE INDEX backup_jobs_one_in_progress ON backup_jobs (hsm_id) WHERE status = 'InProgress';
    `,
  },
  {
    version: 5,
    name: "security domain recovery: transfer keys and upload outcomes",
    sql: `
      CREATE TABLE sd_transfer_keys (
        hsm_id ${TEXT} PRIMARY KEY,
        sealed_key BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE sd_upload_outcomes (
        hsm_id ${TEXT} PRIMARY KEY,
        status ${TEXT} NOT NULL CHECK (status IN ('InProgress', 'Success', 'Failed')),
        details ${TEXT} NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "keys, key versions and managed hsms bump change_generation",
    sql: generationTriggers(["keys", "key_versions", "managed_hsms"]),
  },
  {
    version: 7,
    name: "directory, local rbac and management rbac tables bump change_generation by trigger",
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
    // An identity column never hands an id out twice, as SQLite's AUTOINCREMENT does not.
    sql: `
      CREATE TABLE audit_outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        journal ${TEXT} NOT NULL,
        node_id ${TEXT} NOT NULL,
        event ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL
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
        work ${TEXT} PRIMARY KEY,
        holder ${TEXT} NOT NULL,
        expires_at BIGINT NOT NULL
      );
      ALTER TABLE backup_jobs ADD COLUMN holder ${TEXT};
      ALTER TABLE backup_jobs ADD COLUMN lease_expires_at BIGINT;
      CREATE TABLE storage_blob_accounts (
        account ${TEXT} PRIMARY KEY,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE storage_blob_containers (
        account ${TEXT} NOT NULL REFERENCES storage_blob_accounts (account) ON DELETE CASCADE,
        container ${TEXT} NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (account, container)
      );
      CREATE TABLE storage_blobs (
        account ${TEXT} NOT NULL,
        container ${TEXT} NOT NULL,
        name ${TEXT} NOT NULL,
        content BYTEA NOT NULL,
        modified_at BIGINT NOT NULL,
        PRIMARY KEY (account, container, name),
        FOREIGN KEY (account, container) REFERENCES storage_blob_containers (account, container) ON DELETE CASCADE
      );
      CREATE TABLE node_seal (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        kind ${TEXT} NOT NULL CHECK (kind IN ('keyFile', 'passphrase')),
        kdf ${TEXT},
        check_value BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: "a change that moves the generation notifies the nodes listening",
    // Identical notifications of one transaction fold into one, sent at its commit (src/store/postgres/change-listener.ts).
    sql: `
      CREATE OR REPLACE FUNCTION keyhold_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE change_generation SET value = value + 1 WHERE id = 1;
        PERFORM pg_notify('keyhold_generation', '');
        RETURN NULL;
      END
      $$;
    `,
  },
  {
    version: 11,
    name: "the activation of configured HSMs, and each HSM's sealed domain secret, move the generation",
    sql: `
      CREATE TABLE configured_hsm_activations (
        hsm_id ${TEXT} PRIMARY KEY,
        activation ${TEXT} NOT NULL CHECK (activation IN ('Activated', 'NotActivated', 'Restoring')),
        updated_at BIGINT NOT NULL
      );
      ${generationTriggers(["configured_hsm_activations", "hsm_domain_secrets"])}
    `,
  },
  {
    version: 12,
    name: "diagnostic-log forwarding: durable cursors, settings' enabled_at, settings move the generation",
    sql: `
      CREATE TABLE diagnostic_cursors (
        node_id ${TEXT} NOT NULL,
        journal ${TEXT} NOT NULL,
        storage_account ${TEXT} NOT NULL,
        resource_id ${TEXT} NOT NULL,
        since BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        end_offset BIGINT NOT NULL,
        record_hash ${TEXT} NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (node_id, journal, storage_account, resource_id)
      );
      ALTER TABLE diagnostic_settings ADD COLUMN enabled_at BIGINT NOT NULL DEFAULT 0;
      UPDATE diagnostic_settings SET enabled_at = ${DB_NOW_MS};
      ${generationTriggers(["diagnostic_settings"])}
    `,
  },
]);
