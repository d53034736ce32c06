import type { CredentialRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { PgRunner } from "./runner.js";
import { type CredentialRow, credentialFromRow } from "../rows/credential-rows.js";

export function postgresCredentialRepository(runner: PgRunner): CredentialRepository {
  return {
    insert: (c) =>
      runner.write(async (db) => {
        try {
          await db
            .prepare(
              `INSERT INTO credentials (id, principal_id, kind, display_name, secret_hash, certificate_pem, thumbprint,
               start_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(c.id, c.principalId, c.kind, c.displayName, c.secretHash, c.certificatePem, c.thumbprint, c.startAt, c.endAt);
        } catch (error) {
          rethrowUniqueViolation(error, "A credential with this keyId already exists.");
        }
      }),
    listForPrincipal: (principalId) =>
      runner.read(async (db) =>
        (
          (await db.prepare("SELECT * FROM credentials WHERE principal_id = ? ORDER BY start_at, id").all(principalId)) as CredentialRow[]
        ).map(credentialFromRow),
      ),
    remove: (principalId, id) =>
      runner.write(
        async (db) => (await db.prepare("DELETE FROM credentials WHERE principal_id = ? AND id = ?").run(principalId, id)).changes > 0,
      ),
  };
}
