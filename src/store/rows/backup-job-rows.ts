/** The rows of the backup job tables as both stores read and write them, and their records. */
import type { BackupJobRecord, BackupJobStatus } from "../backup-job-records.js";
import { orUndefined } from "../nullable-column.js";

export interface JobRow {
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
export const jobFromRow = (row: JobRow): BackupJobRecord => ({
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

/** An HSM marked Restoring with no job in progress (src/store/store.ts, liftOrphanedRestoring) in `table`. */
const liftOrphaned = (table: "managed_hsms" | "configured_hsm_activations"): string =>
  `UPDATE ${table} SET activation = 'Activated', updated_at = ?
   WHERE activation = 'Restoring'
     AND NOT EXISTS (SELECT 1 FROM backup_jobs WHERE backup_jobs.hsm_id = ${table}.hsm_id AND backup_jobs.status = 'InProgress')
   RETURNING hsm_id`;

/** Both stores' statements of liftOrphanedRestoring: created HSMs, then configured ones. */
export const LIFT_ORPHANED_RESTORING = [liftOrphaned("managed_hsms"), liftOrphaned("configured_hsm_activations")] as const;
