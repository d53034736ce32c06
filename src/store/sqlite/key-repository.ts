import type { KeyRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { SqliteRunner } from "./runner.js";
import { type KeyRow, type VersionRow, keyFromRow, versionFromRow } from "../rows/key-rows.js";

export function sqliteKeyRepository(runner: SqliteRunner): KeyRepository {
  return {
    getKey: (hsmId, name) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM keys WHERE hsm_id = ? AND name = ?").get(hsmId, name) as KeyRow | undefined;
        return row && keyFromRow(row);
      }),
    listKeys: (hsmId, state) =>
      runner.read((db) =>
        (db.prepare("SELECT * FROM keys WHERE hsm_id = ? AND state = ? ORDER BY name").all(hsmId, state) as KeyRow[]).map(keyFromRow),
      ),
    insertKey: (key) =>
      runner.write((db) => {
        try {
          db.prepare(
            `INSERT INTO keys (hsm_id, name, state, created_at, deleted_date, scheduled_purge_date, recovery_id, rotation_policy)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            key.hsmId,
            key.name,
            key.state,
            key.createdAt,
            key.deletedDate ?? null,
            key.scheduledPurgeDate ?? null,
            key.recoveryId ?? null,
            key.rotationPolicy ?? null,
          );
        } catch (error) {
          rethrowUniqueViolation(error, `A key named '${key.name}' already exists.`);
        }
      }),
    markDeleted: (hsmId, name, deletion) =>
      runner.write((db) => {
        const result = db
          .prepare(
            "UPDATE keys SET state = 'deleted', deleted_date = ?, scheduled_purge_date = ?, recovery_id = ? WHERE hsm_id = ? AND name = ? AND state = 'active'",
          )
          .run(deletion.deletedDate, deletion.scheduledPurgeDate, deletion.recoveryId, hsmId, name);
        return result.changes > 0;
      }),
    markRecovered: (hsmId, name) =>
      runner.write((db) => {
        const result = db
          .prepare(
            "UPDATE keys SET state = 'active', deleted_date = NULL, scheduled_purge_date = NULL, recovery_id = NULL WHERE hsm_id = ? AND name = ? AND state = 'deleted'",
          )
          .run(hsmId, name);
        return result.changes > 0;
      }),
    setRotationPolicy: (hsmId, name, policy) =>
      runner.write(
        (db) => db.prepare("UPDATE keys SET rotation_policy = ? WHERE hsm_id = ? AND name = ?").run(policy, hsmId, name).changes > 0,
      ),
    purgeKey: (hsmId, name) =>
      runner.write((db) => db.prepare("DELETE FROM keys WHERE hsm_id = ? AND name = ?").run(hsmId, name).changes > 0),
    listPurgeDue: (now) =>
      runner.read((db) =>
        (
          db.prepare("SELECT * FROM keys WHERE state = 'deleted' AND scheduled_purge_date <= ? ORDER BY hsm_id, name").all(now) as KeyRow[]
        ).map(keyFromRow),
      ),
    listWithRotationPolicy: () =>
      runner.read((db) =>
        (
          db.prepare("SELECT * FROM keys WHERE state = 'active' AND rotation_policy IS NOT NULL ORDER BY hsm_id, name").all() as KeyRow[]
        ).map(keyFromRow),
      ),

    insertVersion: (v) =>
      runner.write((db) => {
        try {
          db.prepare(
            `INSERT INTO key_versions (hsm_id, name, version, seq, kty, key_ops, tags, enabled, nbf, exp, created, updated, public_jwk, sealed_private_jwk)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            v.hsmId,
            v.name,
            v.version,
            v.seq,
            v.kty,
            JSON.stringify(v.keyOps),
            JSON.stringify(v.tags),
            v.enabled ? 1 : 0,
            v.nbf ?? null,
            v.exp ?? null,
            v.created,
            v.updated,
            v.publicJwk,
            Buffer.from(v.sealedPrivateJwk),
          );
        } catch (error) {
          rethrowUniqueViolation(error, `Version ${v.version} of key '${v.name}' already exists.`);
        }
      }),
    getVersion: (hsmId, name, version) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM key_versions WHERE hsm_id = ? AND name = ? AND version = ?").get(hsmId, name, version) as
          | VersionRow
          | undefined;
        return row && versionFromRow(row);
      }),
    latestVersion: (hsmId, name) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM key_versions WHERE hsm_id = ? AND name = ? ORDER BY seq DESC LIMIT 1").get(hsmId, name) as
          | VersionRow
          | undefined;
        return row && versionFromRow(row);
      }),
    listVersions: (hsmId, name) =>
      runner.read((db) =>
        (db.prepare("SELECT * FROM key_versions WHERE hsm_id = ? AND name = ? ORDER BY seq").all(hsmId, name) as VersionRow[]).map(
          versionFromRow,
        ),
      ),
    updateVersion: (hsmId, name, version, patch) =>
      runner.write((db) => {
        const sets: string[] = ["updated = ?"];
        const values: (string | number | null)[] = [patch.updated];
        if (patch.enabled !== undefined) sets.push("enabled = ?"), values.push(patch.enabled ? 1 : 0);
        if ("nbf" in patch) sets.push("nbf = ?"), values.push(patch.nbf ?? null);
        if ("exp" in patch) sets.push("exp = ?"), values.push(patch.exp ?? null);
        if (patch.keyOps !== undefined) sets.push("key_ops = ?"), values.push(JSON.stringify(patch.keyOps));
        if (patch.tags !== undefined) sets.push("tags = ?"), values.push(JSON.stringify(patch.tags));
        const result = db
          .prepare(`UPDATE key_versions SET ${sets.join(", ")} WHERE hsm_id = ? AND name = ? AND version = ?`)
          .run(...values, hsmId, name, version);
        return result.changes > 0;
      }),

    getSealedDomainSecret: (hsmId) =>
      runner.read((db) => {
        const row = db.prepare("SELECT sealed_secret FROM hsm_domain_secrets WHERE hsm_id = ?").get(hsmId) as
          | { sealed_secret: Buffer }
          | undefined;
        return row && new Uint8Array(row.sealed_secret);
      }),
    insertSealedDomainSecret: (hsmId, sealed, now) =>
      runner.write(
        (db) =>
          db
            .prepare("INSERT INTO hsm_domain_secrets (hsm_id, sealed_secret, created_at) VALUES (?, ?, ?) ON CONFLICT (hsm_id) DO NOTHING")
            .run(hsmId, Buffer.from(sealed), now).changes > 0,
      ),
  };
}
