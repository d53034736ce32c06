export type {
  BackupJobRepository,
  CredentialRepository,
  DirectoryRepository,
  IssuerKeyRepository,
  KeyRepository,
  ManagementRepository,
  RbacRepository,
  Store,
  StoreRepositories,
} from "./store.js";
export type {
  CredentialKind,
  CredentialRecord,
  IssuerKeyRecord,
  PrincipalKind,
  PrincipalPatch,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  RolePermissionRecord,
  TenantRecord,
} from "./records.js";
export { openMemoryStore, openStore, STORE_FILE_NAME } from "./sqlite/sqlite-store.js";
export { MIGRATIONS, type Migration } from "./sqlite/migrations.js";
export { SQLITE_PRAGMAS } from "./sqlite/pragmas.js";
export type { KeyDeletion, KeyRecord, KeyState, KeyVersionPatch, KeyVersionRecord } from "./key-records.js";
export type {
  ArmOperationRecord,
  ArmOperationStatus,
  DiagnosticSettingRecord,
  HsmActivationState,
  HsmProvisioningState,
  ManagedHsmPatch,
  ManagedHsmRecord,
  ManagedHsmSettings,
  ManagementGroupRecord,
  ManagementRoleAssignmentRecord,
  ResourceGroupRecord,
  StorageAccountRecord,
  SubscriptionRecord,
} from "./management-records.js";
export type { BackupJobKind, BackupJobRecord, BackupJobStatus } from "./backup-job-records.js";
export type { SecurityDomainRecoveryRepository, UploadOutcome, UploadStatus } from "./security-domain-records.js";
export { changeContext, type AuditOutboxRepository, type OutboxRecord, type PendingChange } from "./change-records.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres/postgres-store.js";
export { PG_MIGRATIONS } from "./postgres/migrations.js";
