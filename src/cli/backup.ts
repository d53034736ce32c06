/**
 * `keyhold backup start|status` and `keyhold restore start|status`, shaped
 * like `az keyvault backup|restore` (reference section 3): a start prints the
 * job (jobId, status, folder) and, unless --no-wait, polls it until it ends;
 * `restore start --key NAME` restores that one key (selective key restore).
 * A job that ends Failed makes the command exit with code 1.
 */
import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import {
  BackupJobSchema,
  BackupService,
  GetBackupStatusRequestSchema,
  GetRestoreStatusRequestSchema,
  StartBackupRequestSchema,
  StartRestoreRequestSchema,
  StartSelectiveKeyRestoreRequestSchema,
  type BackupJob,
} from "../gen/keyhold/v1/backup_service_pb.js";
import { KeyholdError } from "../errors.js";
import { printResult, runClient, withClientOptions, type ClientFlags, type ClientSession } from "./client-options.js";

const POLL_INTERVAL_MS = 500;

interface StorageFlags {
  readonly storageAccountId: string;
  readonly container: string;
  readonly wait: boolean;
}

function jobOf(response: { job?: BackupJob | undefined }): BackupJob {
  if (response.job === undefined) throw new KeyholdError("InternalError", "The server returned no job.");
  return response.job;
}

function summary(job: BackupJob): string {
  const error = job.error === undefined ? "" : ` (${job.error.code}: ${job.error.message})`;
  return `${job.status}: job ${job.jobId}, folder ${job.folder}${error}`;
}

async function untilEnded(job: BackupJob, poll: (jobId: string) => Promise<BackupJob>): Promise<BackupJob> {
  let current = job;
  while (current.status === "InProgress") {
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    current = await poll(current.jobId);
  }
  return current;
}

function report(session: ClientSession, job: BackupJob): void {
  printResult(session.options, BackupJobSchema, job, () => summary(job));
  if (job.status === "Failed") process.exitCode = 1;
}

const backupStatus =
  (session: ClientSession) =>
  async (jobId: string): Promise<BackupJob> =>
    jobOf(await session.unary(BackupService.method.getBackupStatus, create(GetBackupStatusRequestSchema, { jobId })));

const restoreStatus =
  (session: ClientSession) =>
  async (jobId: string): Promise<BackupJob> =>
    jobOf(await session.unary(BackupService.method.getRestoreStatus, create(GetRestoreStatusRequestSchema, { jobId })));

function storageOptions(command: Command): Command {
  return command
    .requiredOption("--storage-account-id <id>", "the storage account's ARM id (or its name)")
    .requiredOption("--container <name>", "the blob container that holds backup folders")
    .option("--no-wait", "print the job at once instead of waiting for its end");
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command("backup").description("full backups of an HSM into a storage-account container");
  storageOptions(withClientOptions(backup.command("start").description("back up every key and local role of the HSM"))).action(
    (flags: ClientFlags & StorageFlags) =>
      runClient(program, flags, async (session) => {
        const request = create(StartBackupRequestSchema, { storageAccount: flags.storageAccountId, container: flags.container });
        const job = jobOf(await session.unary(BackupService.method.startBackup, request));
        report(session, flags.wait ? await untilEnded(job, backupStatus(session)) : job);
      }),
  );
  withClientOptions(backup.command("status").description("the status of a backup job"))
    .requiredOption("--job-id <id>", "the job id StartBackup returned")
    .action((flags: ClientFlags & { jobId: string }) =>
      runClient(program, flags, async (session) => report(session, await backupStatus(session)(flags.jobId))),
    );

  const restore = program.command("restore").description("restore an HSM, or one key, from a full backup");
  storageOptions(
    withClientOptions(restore.command("start").description("replace the HSM's keys and local roles with a backup's, or restore one key")),
  )
    .requiredOption("--folder <folder>", "the backup folder, mhsm-<name>-<YYYYMMDDHHmmss>")
    .option("--key <name>", "restore only this key, with all its versions (its name must be free)")
    .action((flags: ClientFlags & StorageFlags & { folder: string; key?: string }) =>
      runClient(program, flags, async (session) => {
        const common = { storageAccount: flags.storageAccountId, container: flags.container, folder: flags.folder };
        const response =
          flags.key === undefined
            ? await session.unary(BackupService.method.startRestore, create(StartRestoreRequestSchema, common))
            : await session.unary(
                BackupService.method.startSelectiveKeyRestore,
                create(StartSelectiveKeyRestoreRequestSchema, { ...common, keyName: flags.key }),
              );
        const job = jobOf(response);
        report(session, flags.wait ? await untilEnded(job, restoreStatus(session)) : job);
      }),
    );
  withClientOptions(restore.command("status").description("the status of a restore job"))
    .requiredOption("--job-id <id>", "the job id StartRestore returned")
    .action((flags: ClientFlags & { jobId: string }) =>
      runClient(program, flags, async (session) => report(session, await restoreStatus(session)(flags.jobId))),
    );
}
