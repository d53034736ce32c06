export { BackupJobs } from "./backup-jobs.js";
export { folderNameParam } from "./folder-name.js";
export type { BackupStorage } from "./storage.js";
export { storageRequest } from "./storage-target.js";
export { jobView, type BackupJobView } from "./job-view.js";
