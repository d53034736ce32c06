/** PostgreSQL implementation of the security-domain recovery state (transfer keys, upload outcomes, secret replacement). */
import type { SecurityDomainRecoveryRepository, UploadOutcome } from "../security-domain-records.js";
import type { OutcomeRow } from "../rows/security-domain-recovery-rows.js";
import type { PgRunner } from "./runner.js";

export function postgresSecurityDomainRecoveryRepository(runner: PgRunner): SecurityDomainRecoveryRepository {
  return {
    getSealedTransferKey: (hsmId) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT sealed_key FROM sd_transfer_keys WHERE hsm_id = ?").get(hsmId)) as
          | { sealed_key: Buffer }
          | undefined;
        return row === undefined ? undefined : new Uint8Array(row.sealed_key);
      }),
    insertSealedTransferKey: (hsmId, sealed, now) =>
      runner.write(
        async (db) =>
          (
            await db
              .prepare("INSERT INTO sd_transfer_keys (hsm_id, sealed_key, created_at) VALUES (?, ?, ?) ON CONFLICT (hsm_id) DO NOTHING")
              .run(hsmId, Buffer.from(sealed), now)
          ).changes > 0,
      ),
    deleteTransferKey: (hsmId) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM sd_transfer_keys WHERE hsm_id = ?").run(hsmId)).changes > 0),
    getUploadOutcome: (hsmId) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT status, details, updated_at FROM sd_upload_outcomes WHERE hsm_id = ?").get(hsmId)) as
          | OutcomeRow
          | undefined;
        return row === undefined
          ? undefined
          : ({ status: row.status, details: row.details, updatedAt: row.updated_at } satisfies UploadOutcome);
      }),
    putUploadOutcome: (hsmId, outcome) =>
      runner.write(async (db) => {
        await db
          .prepare(
            "INSERT INTO sd_upload_outcomes (hsm_id, status, details, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (hsm_id) DO UPDATE SET status = excluded.status, details = excluded.details, updated_at = excluded.updated_at",
          )
          .run(hsmId, outcome.status, outcome.details, outcome.updatedAt);
      }),
    hasKeys: (hsmId) =>
      runner.read(async (db) => (await db.prepare("SELECT 1 FROM keys WHERE hsm_id = ? LIMIT 1").get(hsmId)) !== undefined),
    replaceSealedDomainSecretIfNoKeys: (hsmId, sealed, now) =>
      // One transaction, and under READ COMMITTED another node could insert a key between the check and the
      // replacement: SHARE mode holds every insert into keys back until this transaction ends (replacements are rare).
      runner.write(async (db) => {
        await db.prepare("LOCK TABLE keys IN SHARE MODE").run();
        if ((await db.prepare("SELECT 1 FROM keys WHERE hsm_id = ? LIMIT 1").get(hsmId)) !== undefined) return false;
        await db
          .prepare(
            "INSERT INTO hsm_domain_secrets (hsm_id, sealed_secret, created_at) VALUES (?, ?, ?) ON CONFLICT (hsm_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at",
          )
          .run(hsmId, Buffer.from(sealed), now);
        return true;
      }),
  };
}
