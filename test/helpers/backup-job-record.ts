/** A backup or restore job in progress, as the store tests and the job tests insert one. */
import type { BackupJobRecord } from "../../src/store/index.js";

export const jobInProgress = (hsmId: string, kind: BackupJobRecord["kind"], overrides: Partial<BackupJobRecord> = {}): BackupJobRecord => ({
  id: "0123456789abcdef0123456789abcdef",
  hsmId,
  kind,
  status: "InProgress",
  storageAccount: "acct",
  container: "backups",
  folder: "mhsm-a-20260101000000",
  keyName: undefined,
  startedAt: 1_000,
  endedAt: undefined,
  error: undefined,
  ...overrides,
});
