import type { BackupJobRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { PgRunner } from "./runner.js";
import { type JobRow, jobFromRow, LIFT_ORPHANED_RESTORING } from "../rows/backup-job-rows.js";
import { DB_NOW_MS } from "./clock.js";

export function postgresBackupJobRepository(runner: PgRunner): BackupJobRepository {
  return {
    insert: (job, lease) =>
      runner.write(async (db) => {
        try {
          await db
            .prepare(
              `INSERT INTO backup_jobs (id, hsm_id, kind, status, storage_account, container, folder, key_name, started_at, ended_at, error, holder, lease_expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${DB_NOW_MS} + ?)`,
            )
            .run(
              job.id,
              job.hsmId,
              job.kind,
              job.status,
              job.storageAccount,
              job.container,
              job.folder,
              job.keyName ?? null,
              job.startedAt,
              job.endedAt ?? null,
              job.error === undefined ? null : JSON.stringify(job.error),
              lease.holder,
              lease.leaseMs,
            );
        } catch (error) {
          rethrowUniqueViolation(error, "A backup or restore of this HSM is already in progress; wait for it to end.");
        }
      }),
    get: (hsmId, id) =>
      runner.read(async (db) => {
        const row = (await db.prepare("SELECT * FROM backup_jobs WHERE hsm_id = ? AND id = ?").get(hsmId, id)) as JobRow | undefined;
        return row && jobFromRow(row);
      }),
    finish: (id, outcome) =>
      runner.write(
        async (db) =>
          (
            await db
              .prepare("UPDATE backup_jobs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = 'InProgress'")
              .run(outcome.status, outcome.endedAt, outcome.error === undefined ? null : JSON.stringify(outcome.error), id)
          ).changes > 0,
      ),
    renewLease: (id, lease) =>
      runner.write(
        async (db) =>
          (
            await db
              .prepare(`UPDATE backup_jobs SET lease_expires_at = ${DB_NOW_MS} + ? WHERE id = ? AND holder = ? AND status = 'InProgress'`)
              .run(lease.leaseMs, id, lease.holder)
          ).changes > 0,
      ),
    failAbandoned: (endedAt, error, formerHolder) =>
      runner.write(async (db) => {
        // One statement, so a job another node starts or renews meanwhile is either failed and returned, or left alone.
        const rows = (await db
          .prepare(
            `UPDATE backup_jobs SET status = 'Failed', ended_at = ?, error = ?
             WHERE status = 'InProgress' AND (holder IS NULL OR holder = ? OR lease_expires_at <= ${DB_NOW_MS}) RETURNING *`,
          )
          .all(endedAt, JSON.stringify(error), formerHolder ?? null)) as JobRow[];
        return rows.sort((a, b) => a.started_at - b.started_at || (a.id < b.id ? -1 : 1)).map(jobFromRow);
      }),
    liftOrphanedRestoring: (updatedAt) =>
      runner.write(async (db) => {
        const lifted: string[] = [];
        for (const sql of LIFT_ORPHANED_RESTORING)
          lifted.push(...((await db.prepare(sql).all(updatedAt)) as { hsm_id: string }[]).map((row) => row.hsm_id));
        return lifted;
      }),
  };
}
