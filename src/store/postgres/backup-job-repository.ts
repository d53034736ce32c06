import type { BackupJobRecord, BackupJobStatus } from "../backup-job-records.js";
import type { BackupJobRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import { orUndefined } from "../nullable-column.js";
import type { PgRunner } from "./runner.js";

interface JobRow {
  id: string;
  hsm_id: string;
  kind: BackupJobRecord["kind"];
  status: BackupJobStatus;
  storage_account: string;
  container: string;
  folder: string;
  key_name: string | null;
  started_at: number;
  ended_at: number | null;
  error: string | null;
}

// `error` is written by this repository only, as JSON of { code, message }.
const jobFromRow = (row: JobRow): BackupJobRecord => ({
  id: row.id,
  hsmId: row.hsm_id,
  kind: row.kind,
  status: row.status,
  storageAccount: row.storage_account,
  container: row.container,
  folder: row.folder,
  keyName: orUndefined(row.key_name),
  startedAt: row.started_at,
  endedAt: orUndefined(row.ended_at),
  error: row.error === null ? undefined : (JSON.parse(row.error) as BackupJobRecord["error"]),
});

export function postgresBackupJobRepository(runner: PgRunner): BackupJobRepository {
  return {
    insert: (job) =>
      runner.write(async (db) => {
        try {
          await db.prepare(
            `INSERT INTO backup_jobs (id, hsm_id, kind, status, storage_account, container, folder, key_name, started_at, ended_at, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            job.id, job.hsmId, job.kind, job.status, job.storageAccount, job.container, job.folder, job.keyName ?? null,
            job.startedAt, job.endedAt ?? null, job.error === undefined ? null : JSON.stringify(job.error),
          );
        } catch (error) {
          rethrowUniqueViolation(error, "A backup or restore of this HSM is already in progress; wait for it to end.");
        }
      }),
    get: (hsmId, id) =>
      runner.read(async (db) => {
        const row = await db.prepare("SELECT * FROM backup_jobs WHERE hsm_id = ? AND id = ?").get(hsmId, id) as JobRow | undefined;
        return row && jobFromRow(row);
      }),
    finish: (id, outcome) =>
      runner.write(
        async (db) =>
          (await db
            .prepare("UPDATE backup_jobs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = 'InProgress'")
            .run(outcome.status, outcome.endedAt, outcome.error === undefined ? null : JSON.stringify(outcome.error), id)).changes > 0,
      ),
    failInProgress: (endedAt, error) =>
      runner.write(async (db) => {
        const rows = await db.prepare("SELECT * FROM backup_jobs WHERE status = 'InProgress' ORDER BY started_at").all() as JobRow[];
        await db.prepare("UPDATE backup_jobs SET status = 'Failed', ended_at = ?, error = ? WHERE status = 'InProgress'").run(endedAt, JSON.stringify(error));
        return rows.map((row) => ({ ...jobFromRow(row), status: "Failed" as const, endedAt, error }));
      }),
  };
}
