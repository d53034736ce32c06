import type { BackupJobRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { SqliteRunner } from "./runner.js";
import { type JobRow, jobFromRow } from "../rows/backup-job-rows.js";

export function sqliteBackupJobRepository(runner: SqliteRunner): BackupJobRepository {
  return {
    insert: (job) =>
      runner.write((db) => {
        try {
          db.prepare(
            `INSERT INTO backup_jobs (id, hsm_id, kind, status, storage_account, container, folder, key_name, started_at, ended_at, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
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
          );
        } catch (error) {
          rethrowUniqueViolation(error, "A backup or restore of this HSM is already in progress; wait for it to end.");
        }
      }),
    get: (hsmId, id) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM backup_jobs WHERE hsm_id = ? AND id = ?").get(hsmId, id) as JobRow | undefined;
        return row && jobFromRow(row);
      }),
    finish: (id, outcome) =>
      runner.write(
        (db) =>
          db
            .prepare("UPDATE backup_jobs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = 'InProgress'")
            .run(outcome.status, outcome.endedAt, outcome.error === undefined ? null : JSON.stringify(outcome.error), id).changes > 0,
      ),
    failInProgress: (endedAt, error) =>
      runner.write((db) => {
        const rows = db.prepare("SELECT * FROM backup_jobs WHERE status = 'InProgress' ORDER BY started_at").all() as JobRow[];
        db.prepare("UPDATE backup_jobs SET status = 'Failed', ended_at = ?, error = ? WHERE status = 'InProgress'").run(
          endedAt,
          JSON.stringify(error),
        );
        return rows.map((row) => ({ ...jobFromRow(row), status: "Failed" as const, endedAt, error }));
      }),
  };
}
