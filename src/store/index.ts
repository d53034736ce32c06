export type {
  Store,
  StoreRepositories,
} from "./store.js";
export type {
  PrincipalKind,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
} from "./records.js";
export { openMemoryStore, openStore, STORE_FILE_NAME } from "./sqlite/sqlite-store.js";
export { MIGRATIONS } from "./sqlite/migrations.js";
export { SQLITE_PRAGMAS } from "./sqlite/pragmas.js";
export type { KeyRecord, KeyVersionPatch, KeyVersionRecord } from "./key-records.js";
export type {
  ArmOperationRecord,
  DiagnosticSettingRecord,
  ManagedHsmPatch,
  ManagedHsmRecord,
  ManagedHsmSettings,
  ManagementGroupRecord,
  ManagementRoleAssignmentRecord,
  ResourceGroupRecord,
  StorageAccountRecord,
  SubscriptionRecord,
} from "./management-records.js";
export type { BackupJobKind, BackupJobRecord } from "./backup-job-records.js";
export { changeContext, type AuditOutboxRepository, type OutboxRecord, type PendingChange } from "./change-records.js";
export { openPostgresStore } from "./postgres/postgres-store.js";
export { PG_MIGRATIONS } from "./postgres/migrations.js";
export { openConfiguredStore } from "./configured-store.js";
