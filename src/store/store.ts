/**
 * The store every service talks to, with two implementations: the embedded
 * SQLite store (sqlite/, the default) and PostgreSQL (postgres/, shared by
 * several nodes). Methods are async although the SQLite driver is synchronous,
 * so that callers do not know which one they have.
 */
import type {
  CredentialRecord,
  IssuerKeyRecord,
  PrincipalKind,
  PrincipalPatch,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  TenantRecord,
} from "./records.js";
import type { KeyDeletion, KeyRecord, KeyState, KeyVersionPatch, KeyVersionRecord } from "./key-records.js";
import type {
  ArmOperationRecord,
  DiagnosticSettingRecord,
  HsmActivationState,
  ManagedHsmPatch,
  ManagedHsmRecord,
  ManagementGroupRecord,
  ManagementRoleAssignmentRecord,
  ResourceGroupRecord,
  StorageAccountRecord,
  SubscriptionRecord,
} from "./management-records.js";
import type { BackupJobRecord, BackupJobStatus } from "./backup-job-records.js";
import type { SecurityDomainRecoveryRepository } from "./security-domain-records.js";
import type { AuditOutboxRepository } from "./change-records.js";
import type { DiagnosticCursorRepository } from "./diagnostic-cursor-records.js";

export interface DirectoryRepository {
  insertTenant(tenant: TenantRecord): Promise<void>;
  getTenant(id: string): Promise<TenantRecord | undefined>;
  findTenantByName(name: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;

  /** Throws Conflict when the userPrincipalName (per tenant) or appId is taken. */
  insertPrincipal(principal: PrincipalRecord): Promise<void>;
  getPrincipal(tenantId: string, id: string): Promise<PrincipalRecord | undefined>;
  findPrincipalByUserPrincipalName(tenantId: string, userPrincipalName: string): Promise<PrincipalRecord | undefined>;
  findPrincipalByAppId(appId: string): Promise<PrincipalRecord | undefined>;
  listPrincipals(tenantId: string, kind?: PrincipalKind): Promise<PrincipalRecord[]>;
  /** Returns false when no such principal exists. */
  updatePrincipal(tenantId: string, id: string, patch: PrincipalPatch, now: number): Promise<boolean>;
  /** Deletes the principal, its memberships (both ways), credentials and administrator entries. */
  deletePrincipal(tenantId: string, id: string): Promise<boolean>;

  /** Returns false when the membership already existed. */
  addMembership(groupId: string, memberId: string): Promise<boolean>;
  removeMembership(groupId: string, memberId: string): Promise<boolean>;
  listMemberIds(groupId: string): Promise<string[]>;
  /** The groups that contain the principal directly, enabled or not. */
  listDirectGroupIds(memberId: string): Promise<string[]>;
  /** Every enabled group that contains the principal directly or through enabled groups; cycles terminate. */
  listTransitiveGroupIds(memberId: string): Promise<string[]>;

  addDirectoryAdministrator(tenantId: string, principalId: string): Promise<void>;
  removeDirectoryAdministrator(tenantId: string, principalId: string): Promise<boolean>;
  listDirectoryAdministrators(tenantId: string): Promise<string[]>;
}

export interface CredentialRepository {
  insert(credential: CredentialRecord): Promise<void>;
  listForPrincipal(principalId: string): Promise<CredentialRecord[]>;
  remove(principalId: string, id: string): Promise<boolean>;
}

export interface IssuerKeyRepository {
  /** Oldest first. */
  list(): Promise<IssuerKeyRecord[]>;
  insert(key: IssuerKeyRecord): Promise<void>;
}

/** Local RBAC of one HSM at a time (SPEC section 6). */
export interface RbacRepository {
  listRoleDefinitions(hsmId: string): Promise<RoleDefinitionRecord[]>;
  getRoleDefinition(hsmId: string, name: string): Promise<RoleDefinitionRecord | undefined>;
  putRoleDefinition(hsmId: string, definition: RoleDefinitionRecord): Promise<void>;
  deleteRoleDefinition(hsmId: string, name: string): Promise<boolean>;
  listRoleAssignments(hsmId: string): Promise<RoleAssignmentRecord[]>;
  getRoleAssignment(hsmId: string, name: string): Promise<RoleAssignmentRecord | undefined>;
  /** Throws Conflict when the name is taken. */
  insertRoleAssignment(hsmId: string, assignment: RoleAssignmentRecord): Promise<void>;
  deleteRoleAssignment(hsmId: string, name: string): Promise<boolean>;
}

/** Keys and key versions of each HSM, and each HSM's sealed domain secret (SPEC sections 4 and 8). Names ignore case. */
export interface KeyRepository {
  getKey(hsmId: string, name: string): Promise<KeyRecord | undefined>;
  /** Sorted by name. */
  listKeys(hsmId: string, state: KeyState): Promise<KeyRecord[]>;
  /** Throws Conflict when the name is taken (in any state). */
  insertKey(key: KeyRecord): Promise<void>;
  /** Returns false unless an active key of that name was moved to deleted. */
  markDeleted(hsmId: string, name: string, deletion: KeyDeletion): Promise<boolean>;
  markRecovered(hsmId: string, name: string): Promise<boolean>;
  setRotationPolicy(hsmId: string, name: string, policy: string | null): Promise<boolean>;
  /** Removes the key and every version forever. */
  purgeKey(hsmId: string, name: string): Promise<boolean>;
  /** Deleted keys of every HSM whose scheduled purge date is at or before `now`. */
  listPurgeDue(now: number): Promise<KeyRecord[]>;
  /** Active keys of every HSM that carry a rotation policy. */
  listWithRotationPolicy(): Promise<KeyRecord[]>;

  insertVersion(version: KeyVersionRecord): Promise<void>;
  getVersion(hsmId: string, name: string, version: string): Promise<KeyVersionRecord | undefined>;
  latestVersion(hsmId: string, name: string): Promise<KeyVersionRecord | undefined>;
  /** Oldest first. */
  listVersions(hsmId: string, name: string): Promise<KeyVersionRecord[]>;
  updateVersion(hsmId: string, name: string, version: string, patch: KeyVersionPatch): Promise<boolean>;

  getSealedDomainSecret(hsmId: string): Promise<Uint8Array | undefined>;
  /** Stores the HSM's sealed domain secret unless one exists; returns whether this call stored it. */
  insertSealedDomainSecret(hsmId: string, sealed: Uint8Array, now: number): Promise<boolean>;
}

/**
 * The management plane's records (SPEC section 7). Changes to management groups, subscriptions and management role
 * assignments bump the generation: management RBAC decisions depend on them.
 */
export interface ManagementRepository {
  /** Creates or replaces the group. */
  putManagementGroup(group: ManagementGroupRecord): Promise<void>;
  getManagementGroup(id: string): Promise<ManagementGroupRecord | undefined>;
  listManagementGroups(): Promise<ManagementGroupRecord[]>;
  deleteManagementGroup(id: string): Promise<boolean>;

  /** Creates or replaces the subscription. */
  putSubscription(subscription: SubscriptionRecord): Promise<void>;
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  listSubscriptions(): Promise<SubscriptionRecord[]>;

  /** Creates or replaces the resource group. */
  putResourceGroup(group: ResourceGroupRecord): Promise<void>;
  getResourceGroup(subscriptionId: string, name: string): Promise<ResourceGroupRecord | undefined>;
  listResourceGroups(subscriptionId: string): Promise<ResourceGroupRecord[]>;
  deleteResourceGroup(subscriptionId: string, name: string): Promise<boolean>;

  /** Throws Conflict when the name is held by another HSM, active or soft-deleted. */
  insertManagedHsm(hsm: ManagedHsmRecord): Promise<void>;
  getManagedHsm(hsmId: string): Promise<ManagedHsmRecord | undefined>;
  /** The HSM holding `name` (ignoring case), active or soft-deleted. */
  findManagedHsmByName(name: string): Promise<ManagedHsmRecord | undefined>;
  /** Sorted by name. */
  listManagedHsms(filter: {
    readonly deleted: boolean;
    readonly subscriptionId?: string;
    readonly resourceGroup?: string;
  }): Promise<ManagedHsmRecord[]>;
  updateManagedHsm(hsmId: string, patch: ManagedHsmPatch): Promise<boolean>;
  /** Removes the HSM forever with everything its data plane kept: keys, domain secret, local roles and assignments. */
  purgeManagedHsm(hsmId: string): Promise<boolean>;
  /**
   * The activation of an HSM declared in configuration, kept here so that every node sees a restore in progress:
   * undefined until one was stored (the configured activation holds). Changes move the generation.
   */
  getConfiguredHsmActivation(hsmId: string): Promise<HsmActivationState | undefined>;
  /** Creates or replaces it. */
  putConfiguredHsmActivation(hsmId: string, activation: HsmActivationState, now: number): Promise<void>;

  /** Throws Conflict when the name is taken. */
  insertStorageAccount(account: StorageAccountRecord): Promise<void>;
  getStorageAccount(name: string): Promise<StorageAccountRecord | undefined>;
  listStorageAccounts(filter: { readonly subscriptionId?: string; readonly resourceGroup?: string }): Promise<StorageAccountRecord[]>;
  deleteStorageAccount(name: string): Promise<boolean>;

  /** Creates or replaces the setting. */
  putDiagnosticSetting(setting: DiagnosticSettingRecord): Promise<void>;
  getDiagnosticSetting(resourceId: string, name: string): Promise<DiagnosticSettingRecord | undefined>;
  /** Every setting, or those of one resource. */
  listDiagnosticSettings(resourceId?: string): Promise<DiagnosticSettingRecord[]>;
  deleteDiagnosticSetting(resourceId: string, name: string): Promise<boolean>;

  /** Throws Conflict when the name is taken. */
  insertRoleAssignment(assignment: ManagementRoleAssignmentRecord): Promise<void>;
  getRoleAssignment(name: string): Promise<ManagementRoleAssignmentRecord | undefined>;
  listRoleAssignments(): Promise<ManagementRoleAssignmentRecord[]>;
  deleteRoleAssignment(name: string): Promise<boolean>;

  /** Creates or replaces the operation's record. */
  putOperation(operation: ArmOperationRecord): Promise<void>;
  getOperation(id: string): Promise<ArmOperationRecord | undefined>;
}

/** Who runs a job and until when its lease holds (by the database's clock), renewed while the job runs. */
interface JobLease {
  /** The node running the job (its node id). */
  readonly holder: string;
  readonly leaseMs: number;
}

/** Full backup, restore and selective key restore jobs of each HSM (SPEC section 8). */
export interface BackupJobRepository {
  /** Throws Conflict when the HSM already has a job in progress. */
  insert(job: BackupJobRecord, lease: JobLease): Promise<void>;
  get(hsmId: string, id: string): Promise<BackupJobRecord | undefined>;
  /** Ends a job in progress; returns false when it was not in progress. */
  finish(
    id: string,
    outcome: {
      readonly status: Exclude<BackupJobStatus, "InProgress">;
      readonly endedAt: number;
      readonly error?: { readonly code: string; readonly message: string };
    },
  ): Promise<boolean>;
  /** Extends the lease of a job in progress that `lease.holder` runs; false when the job is no longer its to run. */
  renewLease(id: string, lease: JobLease): Promise<boolean>;
  /**
   * Marks Failed with `error` every job in progress whose lease has run out (its node died or stalled), and with
   * `formerHolder` every one that node held (a node that starts again runs none of the jobs it held before);
   * returns them.
   */
  failAbandoned(
    endedAt: number,
    error: { readonly code: string; readonly message: string },
    formerHolder?: string,
  ): Promise<BackupJobRecord[]>;
  /**
   * Serves again every HSM (created or configured) still marked Restoring while it has no job in progress: the node
   * that ended its restore could not lift the mark (the store was down then, or the node died). One statement per
   * table, so a restore that starts meanwhile keeps its mark. Returns the ids of the HSMs served again.
   */
  liftOrphanedRestoring(updatedAt: number): Promise<string[]>;
}

/**
 * Work that must happen once however many nodes share the store (SPEC section 14): a named claim held by one node
 * for a lease, by the database's clock so that nodes whose clocks differ still agree.
 */
export interface WorkClaimRepository {
  /** Takes `work` for `holder` when nobody holds it, its lease has run out or `holder` has it; whether it has it now. */
  claim(work: string, holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the claim up (at shutdown) so that another node takes it at once. */
  release(work: string, holder: string): Promise<void>;
}

/** A blob's listing entry. */
export interface StoredBlobItem {
  readonly name: string;
  readonly size: number;
  readonly modifiedAt: number;
}

/**
 * Storage-account blobs kept in the store (src/management/storage/store-blob-store.ts), so that nodes on several
 * machines share them without a shared file system. Names compare by their UTF-8 bytes, as Azure lists them.
 */
export interface BlobRepository {
  /** Returns false when the account already existed. */
  createAccount(account: string, now: number): Promise<boolean>;
  /** Removes the account with its containers and blobs; false when there was none. */
  deleteAccount(account: string): Promise<boolean>;
  accountExists(account: string): Promise<boolean>;
  createContainer(account: string, container: string, now: number): Promise<"created" | "existed" | "noAccount">;
  /** Sorted; undefined when the account does not exist. */
  listContainers(account: string): Promise<string[] | undefined>;
  containerExists(account: string, container: string): Promise<boolean>;
  /** Up to `limit` blobs whose names start with `prefix` and sort after `after`, in order. */
  listBlobs(
    account: string,
    container: string,
    page: { readonly prefix: string; readonly after: string | undefined; readonly limit: number },
  ): Promise<StoredBlobItem[]>;
  readBlob(account: string, container: string, name: string): Promise<Uint8Array | undefined>;
  /** Appends `data` whole (creating the blob); false when the container does not exist. */
  appendBlob(account: string, container: string, name: string, data: Uint8Array, now: number): Promise<boolean>;
}

/** What every node's seal must open before the node serves (src/hsm/keys/seal-check.ts). */
export interface SealRecord {
  readonly kind: "keyFile" | "passphrase";
  /** For a passphrase: the scrypt salt and cost, as JSON; every node derives the same key from them. */
  readonly kdf: string | undefined;
  /** An empty plaintext sealed under the seal key: opens only with the right key. */
  readonly check: Uint8Array;
  readonly createdAt: number;
}

export interface SealRepository {
  get(): Promise<SealRecord | undefined>;
  /** Stores the record unless one exists (another node may have been first); returns the one the store keeps. */
  insert(record: SealRecord): Promise<SealRecord>;
  /** Any one HSM's sealed domain secret: a store made before the seal record existed is proven against it. */
  anySealedDomainSecret(): Promise<{ readonly hsmId: string; readonly sealed: Uint8Array } | undefined>;
}

export interface StoreRepositories {
  readonly directory: DirectoryRepository;
  readonly credentials: CredentialRepository;
  readonly issuerKeys: IssuerKeyRepository;
  readonly rbac: RbacRepository;
  readonly keys: KeyRepository;
  readonly management: ManagementRepository;
  readonly backupJobs: BackupJobRepository;
  readonly securityDomainRecovery: SecurityDomainRecoveryRepository;
  readonly auditOutbox: AuditOutboxRepository;
  readonly workClaims: WorkClaimRepository;
  readonly blobs: BlobRepository;
  readonly diagnosticCursors: DiagnosticCursorRepository;
  readonly seal: SealRepository;
}

export interface Store extends StoreRepositories {
  /**
   * Runs fn as one atomic change: everything it does through `tx` commits
   * together or not at all, and no other caller sees any of it before the
   * commit. fn must use `tx`, never the outer store: with SQLite other callers
   * wait until it ends (the outer store would wait for itself); with PostgreSQL
   * they run on other connections and would not see fn's uncommitted work.
   */
  transaction<T>(fn: (tx: StoreRepositories) => Promise<T>): Promise<T>;
  /**
   * A counter that grows with every committed change to directory objects,
   * memberships, role definitions, assignments, keys, key versions or managed
   * HSMs, by any process sharing the store; caches compare it to know they are
   * stale. Callers that ask in the same run of the microtask queue may share
   * one read of the counter, and a call keeps its first read to its end
   * (src/store/generation-reads.ts); each read was made after the calls that
   * share it started, so each still sees every change committed before it
   * started.
   */
  generation(): Promise<number>;
  /**
   * Calls `listener` when another node's commit may have moved the generation (PostgreSQL: its NOTIFY, and after the
   * listening connection is re-established; SQLite: never, each process reads the file). A hint for caches to drop
   * entries early, never a reason to skip `generation()`: nothing bounds how late a notification arrives. Returns the
   * function that unsubscribes.
   */
  onGenerationHint(listener: () => void): () => void;
  close(): Promise<void>;
}
