import type { CredentialRepository } from "../store.js";
import type { CredentialKind, CredentialRecord } from "../records.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { PgRunner } from "./runner.js";

interface CredentialRow {
  id: string;
  principal_id: string;
  kind: CredentialKind;
  display_name: string;
  secret_hash: string | null;
  certificate_pem: string | null;
  thumbprint: string | null;
  start_at: number;
  end_at: number;
}

const credentialFromRow = (row: CredentialRow): CredentialRecord => ({
  id: row.id,
  principalId: row.principal_id,
  kind: row.kind,
  displayName: row.display_name,
  secretHash: row.secret_hash,
  certificatePem: row.certificate_pem,
  thumbprint: row.thumbprint,
  startAt: row.start_at,
  endAt: row.end_at,
});

export function postgresCredentialRepository(runner: PgRunner): CredentialRepository {
  return {
    insert: (c) =>
      runner.write(async (db) => {
        try {
          await db.prepare(
            `INSERT INTO credentials (id, principal_id, kind, display_name, secret_hash, certificate_pem, thumbprint,
               start_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(c.id, c.principalId, c.kind, c.displayName, c.secretHash, c.certificatePem, c.thumbprint, c.startAt, c.endAt);
        } catch (error) {
          rethrowUniqueViolation(error, "A credential with this keyId already exists.");
        }
      }),
    listForPrincipal: (principalId) =>
      runner.read(async (db) =>
        (
          await db.prepare("SELECT * FROM credentials WHERE principal_id = ? ORDER BY start_at, id").all(principalId) as CredentialRow[]
        ).map(credentialFromRow),
      ),
    remove: (principalId, id) =>
      runner.write(
        async (db) => (await db.prepare("DELETE FROM credentials WHERE principal_id = ? AND id = ?").run(principalId, id)).changes > 0,
      ),
  };
}
