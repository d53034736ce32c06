export { BackupJobs, type BackupJobsDeps, type JobHsm, type RestoringSwitch } from "./backup-jobs.js";
export { backupFolderName, folderNameParam } from "./folder-name.js";
export type { BackupLocation, BackupStorage } from "./storage.js";
export { storageRequest, type StorageRequest } from "./storage-target.js";
export { jobView, type BackupJobView } from "./job-view.js";
