/** SQLite implementation of the security-domain recovery state (transfer keys, upload outcomes, secret replacement). */
import type { SecurityDomainRecoveryRepository, UploadOutcome } from "../security-domain-records.js";
import type { OutcomeRow } from "../rows/security-domain-recovery-rows.js";
import type { SqliteRunner } from "./runner.js";

export function sqliteSecurityDomainRecoveryRepository(runner: SqliteRunner): SecurityDomainRecoveryRepository {
  return {
    getSealedTransferKey: (hsmId) =>
      runner.read((db) => {
        const row = db.prepare("SELECT sealed_key FROM sd_transfer_keys WHERE hsm_id = ?").get(hsmId) as { sealed_key: Buffer } | undefined;
        return row === undefined ? undefined : new Uint8Array(row.sealed_key);
      }),
    insertSealedTransferKey: (hsmId, sealed, now) =>
      runner.write(
        (db) =>
          db
            .prepare("INSERT INTO sd_transfer_keys (hsm_id, sealed_key, created_at) VALUES (?, ?, ?) ON CONFLICT (hsm_id) DO NOTHING")
            .run(hsmId, Buffer.from(sealed), now).changes > 0,
      ),
    deleteTransferKey: (hsmId) => runner.write((db) => db.prepare("DELETE FROM sd_transfer_keys WHERE hsm_id = ?").run(hsmId).changes > 0),
    getUploadOutcome: (hsmId) =>
      runner.read((db) => {
        const row = db.prepare("SELECT status, details, updated_at FROM sd_upload_outcomes WHERE hsm_id = ?").get(hsmId) as
          | OutcomeRow
          | undefined;
        return row === undefined
          ? undefined
          : ({ status: row.status, details: row.details, updatedAt: row.updated_at } satisfies UploadOutcome);
      }),
    putUploadOutcome: (hsmId, outcome) =>
      runner.write((db) => {
        db.prepare(
          "INSERT INTO sd_upload_outcomes (hsm_id, status, details, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (hsm_id) DO UPDATE SET status = excluded.status, details = excluded.details, updated_at = excluded.updated_at",
        ).run(hsmId, outcome.status, outcome.details, outcome.updatedAt);
      }),
    hasKeys: (hsmId) => runner.read((db) => db.prepare("SELECT 1 FROM keys WHERE hsm_id = ? LIMIT 1").get(hsmId) !== undefined),
    replaceSealedDomainSecretIfNoKeys: (hsmId, sealed, now) =>
      // runner.write is one transaction: the check and the replacement cannot be split by another writer.
      runner.write((db) => {
        if (db.prepare("SELECT 1 FROM keys WHERE hsm_id = ? LIMIT 1").get(hsmId) !== undefined) return false;
        db.prepare(
          "INSERT INTO hsm_domain_secrets (hsm_id, sealed_secret, created_at) VALUES (?, ?, ?) ON CONFLICT (hsm_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at",
        ).run(hsmId, Buffer.from(sealed), now);
        return true;
      }),
  };
}
