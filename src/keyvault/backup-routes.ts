/**
 * Full backup, full restore and selective key restore on the Key Vault door (Key Vault's backuprestore.json), as
 * long-running operations over the BackupService operations: `202` with `azure-asyncoperation` naming the job's
 * `/backup/{jobId}/pending` or `/restore/{jobId}/pending`, and Key Vault's FullBackupOperation and RestoreOperation
 * bodies (times in Unix seconds, `endTime` null while the job runs).
 */
import type { BackupJobView } from "../hsm/backup/index.js";
import { folderNameParam } from "../hsm/backup/index.js";
import type { OperationRoute } from "../pipeline/http-route.js";
import { accepted, adminRoute, apiVersionQuery, ok, type Raw } from "./admin-route.js";
import { bodyOf } from "./request-body.js";
import { folderUri, sasTokenParametersOf, storageTargetOf } from "./storage-uri.js";

function restoreJson(job: BackupJobView): Record<string, unknown> {
  return {
    status: job.status,
    statusDetails: job.statusDetails,
    error: job.error === undefined ? null : { code: job.error.code, message: job.error.message, innererror: null },
    jobId: job.jobId,
    startTime: job.startTime,
    endTime: job.status === "InProgress" ? null : job.endTime,
  };
}

function backupJson(job: BackupJobView): Record<string, unknown> {
  return {
    ...restoreJson(job),
    // The folder is named once the job has written it; a job that failed before has none.
    azureStorageBlobContainerUri: job.folder === "" ? null : folderUri(job.storageAccount, job.container, job.folder),
  };
}

const jobId = (raw: Raw) => ({ jobId: raw["jobId"] });

export function backupRoutes(hsmOfHost: (hostname: string) => string | undefined): OperationRoute[] {
  const pending = (kind: "backup" | "restore", job: BackupJobView, origin: string, raw: Raw): string =>
    `${origin}/${kind}/${job.jobId}/pending?${apiVersionQuery(raw)}`;
  return [
    adminRoute(
      {
        method: "POST",
        url: "/backup",
        operation: "BackupStart",
        fromRequest: (raw) => storageTargetOf(bodyOf(raw)),
        respond: (job, origin, raw) => accepted(backupJson(job), pending("backup", job, origin, raw)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "GET",
        url: "/backup/:jobId/pending",
        operation: "BackupStatus",
        fromRequest: jobId,
        respond: (job) => ok(backupJson(job)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "PUT",
        url: "/restore",
        operation: "RestoreStart",
        fromRequest: (raw) => {
          const body = bodyOf(raw);
          return { ...sasTokenParametersOf(body), folder: folderNameParam(body["folderToRestore"], "folderToRestore") };
        },
        respond: (job, origin, raw) => accepted(restoreJson(job), pending("restore", job, origin, raw)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "PUT",
        url: "/keys/:keyName/restore",
        operation: "SelectiveKeyRestoreStart",
        fromRequest: (raw) => {
          const body = bodyOf(raw);
          return { ...sasTokenParametersOf(body), folder: folderNameParam(body["folder"], "folder"), keyName: raw["keyName"] };
        },
        respond: (job, origin, raw) => accepted(restoreJson(job), pending("restore", job, origin, raw)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "GET",
        url: "/restore/:jobId/pending",
        operation: "RestoreStatus",
        fromRequest: jobId,
        respond: (job) => ok(restoreJson(job)),
      },
      hsmOfHost,
    ),
  ];
}
