/**
 * A job as callers see it, shaped like Managed HSM's FullBackupOperation and
 * RestoreOperation (reference section 3.1): times in unix seconds, `endTime` 0
 * while running, and the folder so that a restore can name it.
 */
import type { BackupJobRecord } from "../../store/index.js";

export interface BackupJobView {
  readonly jobId: string;
  readonly status: BackupJobRecord["status"];
  readonly statusDetails: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly folder: string;
  readonly storageAccount: string;
  readonly container: string;
  readonly keyName: string;
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

const WHAT: Record<BackupJobRecord["kind"], string> = {
  backup: "Full backup",
  restore: "Full restore",
  selectiveKeyRestore: "Selective key restore",
};

function details(job: BackupJobRecord): string {
  if (job.status === "InProgress") return `${WHAT[job.kind]} is in progress.`;
  if (job.status === "Succeeded") return `${WHAT[job.kind]} succeeded.`;
  return `${WHAT[job.kind]} failed: ${job.error?.message ?? "unknown error"}`;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function jobView(job: BackupJobRecord): BackupJobView {
  return {
    jobId: job.id,
    status: job.status,
    statusDetails: details(job),
    startTime: seconds(job.startedAt),
    endTime: job.endedAt === undefined ? 0 : seconds(job.endedAt),
    folder: job.folder,
    storageAccount: job.storageAccount,
    container: job.container,
    keyName: job.keyName ?? "",
    error: job.error,
  };
}
