/**
 * BackupService (SPEC section 8, reference section 3): full backup into a
 * storage-account container, full restore from a backup folder, selective
 * restore of one key, and the status of each job. Authorized exactly as the
 * reference's permission matrix (section 2.2): backup/* for Administrator and
 * Backup, restore/* for Administrator and Restore, all at scope "/".
 */
import { badParameter } from "../../errors.js";
import { folderNameParam, jobView, storageRequest, type BackupJobs, type BackupJobView } from "../backup/index.js";
import { fields, requiredString } from "../../pipeline/decode.js";
import { keyName } from "../keys/key-input.js";
import { dataOperation, hsmOf } from "../../pipeline/operation.js";

const JOB_ID = /^[0-9a-f]{32}$/;

function jobId(raw: unknown): { jobId: string } {
  const value = requiredString(fields(raw), "jobId", 64);
  if (!JOB_ID.test(value)) throw badParameter("jobId", "must be a job id as StartBackup or StartRestore returned it (32 hex characters)");
  return { jobId: value };
}

const hsmScope = (): string => "/";

export function backupOperations(jobs: BackupJobs) {
  const startBackup = dataOperation({
    name: "BackupStart",
    decode: (raw: unknown) => storageRequest(fields(raw)),
    dataAction: "backup/start/action",
    scope: hsmScope,
    async execute(input, context): Promise<BackupJobView> {
      return jobView(await jobs.startBackup(hsmOf(context), input));
    },
  });

  const backupStatus = dataOperation({
    name: "BackupStatus",
    decode: jobId,
    dataAction: "backup/status/action",
    scope: hsmScope,
    describe: (i) => ({ jobId: i.jobId }),
    async execute(input, context): Promise<BackupJobView> {
      return jobView(await jobs.get(hsmOf(context), input.jobId, "backup"));
    },
  });

  const startRestore = dataOperation({
    name: "RestoreStart",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...storageRequest(input), folder: folderNameParam(input["folder"]) };
    },
    dataAction: "restore/start/action",
    scope: hsmScope,
    async execute(input, context): Promise<BackupJobView> {
      return jobView(await jobs.startRestore(hsmOf(context), input, input.folder));
    },
  });

  const startSelectiveKeyRestore = dataOperation({
    name: "SelectiveKeyRestoreStart",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...storageRequest(input), folder: folderNameParam(input["folder"]), keyName: keyName(input, "keyName") };
    },
    // Managed HSM authorizes selective restore with the same action as a full one (reference section 2.2).
    dataAction: "restore/start/action",
    scope: hsmScope,
    describe: (i) => ({ keyName: i.keyName }),
    async execute(input, context): Promise<BackupJobView> {
      return jobView(await jobs.startSelectiveKeyRestore(hsmOf(context), input, input.folder, input.keyName));
    },
  });

  const restoreStatus = dataOperation({
    name: "RestoreStatus",
    availableWhile: ["Restoring"],
    decode: jobId,
    dataAction: "restore/status/action",
    scope: hsmScope,
    describe: (i) => ({ jobId: i.jobId }),
    async execute(input, context): Promise<BackupJobView> {
      return jobView(await jobs.get(hsmOf(context), input.jobId, "restore"));
    },
  });

  return [startBackup, backupStatus, startRestore, startSelectiveKeyRestore, restoreStatus];
}
