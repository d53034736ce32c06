/**
 * The ordered schema of the embedded store. Adding a table is one change to
 * this file: append a migration with the next version; never edit one that
 * has shipped, since stores in the field have already applied it.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
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
]);
