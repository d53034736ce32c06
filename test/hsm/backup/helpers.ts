/**
 * Backup and restore on top of the security core: keys and local RBAC in ONE
 * store (so a restore is one transaction over both), a storage account with a
 * container, principals holding each role the reference names, and the
 * backup operations behind the real pipeline. The store and the storage can be
 * paused or made to fail, to look inside a running job.
 */
import { randomUUID } from "node:crypto";
import {
  MANAGED_HSM_ADMINISTRATOR,
  MANAGED_HSM_BACKUP,
  MANAGED_HSM_CRYPTO_OFFICER,
  MANAGED_HSM_CRYPTO_USER,
  MANAGED_HSM_RESTORE,
  type RoleDefinition,
} from "../../../src/authz/index.js";
import { BackupJobs, type BackupJobView, type BackupStorage } from "../../../src/hsm/backup/index.js";
import type { HsmRuntime } from "../../../src/pipeline/hsm-registry.js";
import { createKeyDomain, createKeyLoader, HsmDomains, openNodeSeal, type KeyDomain, type NodeSeal } from "../../../src/hsm/keys/index.js";
import type { Operation } from "../../../src/pipeline/operation.js";
import { accessControlOperations } from "../../../src/hsm/operations/access-control.js";
import { backupOperations } from "../../../src/hsm/operations/backup.js";
import { cryptoOperations } from "../../../src/hsm/operations/crypto.js";
import { keyOperations } from "../../../src/hsm/operations/keys.js";
import { BlobStore } from "../../../src/management/index.js";
import type { PrincipalRecord } from "../../../src/store/records.js";
import type { Store, StoreRepositories } from "../../../src/store/index.js";
import { CryptoPool } from "../../../src/workers/pool.js";
import { securityCore, type SecurityCore } from "../helpers.js";

export const ACCOUNT = "backupacct";
export const CONTAINER = "backups";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const ACCOUNT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;

/** Holds every store transaction until released; inject makes the repositories inside them fail. */
interface StoreControl {
  pause(): () => void;
  /** Replaces the transaction's repositories (to inject a failure); undefined restores them. */
  inject(wrap: ((tx: StoreRepositories) => StoreRepositories) | undefined): void;
}

function controlledStore(store: Store): { store: Store; control: StoreControl } {
  let gate: Promise<void> | undefined;
  let wrap: ((tx: StoreRepositories) => StoreRepositories) | undefined;
  const controlled: Store = {
    ...store,
    async transaction(fn) {
      while (gate !== undefined) await gate;
      return store.transaction((tx) => fn(wrap === undefined ? tx : wrap(tx)));
    },
  };
  return {
    store: controlled,
    control: {
      pause() {
        let release: () => void = () => undefined;
        gate = new Promise((resolve) => (release = resolve));
        return () => {
          gate = undefined;
          release();
        };
      },
      inject(next) {
        wrap = next;
      },
    },
  };
}

export interface BackupFixture {
  core: SecurityCore;
  store: Store;
  control: StoreControl;
  /** Holds every blob write of a job until released. */
  holdStorage(): () => void;
  seal: NodeSeal;
  domains: HsmDomains;
  keys: KeyDomain;
  blobs: BlobStore;
  jobs: BackupJobs;
  cryptoUser: PrincipalRecord;
  backupUser: PrincipalRecord;
  restoreUser: PrincipalRecord;
  /** Calls an operation through the pipeline as `principal` (default: the crypto user). */
  call<T = Record<string, unknown>>(operation: string, raw: unknown, options?: { as?: PrincipalRecord; hsm?: string }): Promise<T>;
  /** Starts a job as the Administrator and waits for its end. */
  run(
    operation: "BackupStart" | "RestoreStart" | "SelectiveKeyRestoreStart",
    raw: Record<string, unknown>,
    hsm?: string,
  ): Promise<BackupJobView>;
  /** A configured HSM where the same principals hold the same roles. */
  addHsm(name: string): Promise<HsmRuntime>;
  hsm(name: string): Promise<HsmRuntime>;
  close(): Promise<void>;
}

async function grant(store: Store, hsmId: string, principalId: string, role: RoleDefinition): Promise<void> {
  await store.rbac.insertRoleAssignment(hsmId, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: role.id,
    principalId,
  });
}

export async function backupFixture(): Promise<BackupFixture> {
  const core = await securityCore();
  const { store, control } = controlledStore(core.store);
  const seal = openNodeSeal({ dataDir: core.dataDir, passphrase: undefined });
  const domains = new HsmDomains(store, seal);
  const pool = await CryptoPool.start({ threads: 1, loadKey: createKeyLoader(store, domains) });
  const keys = createKeyDomain({ store, domains, pool });
  const blobs = new BlobStore(core.dataDir);
  await blobs.createAccount(ACCOUNT);
  await blobs.createContainer(ACCOUNT, CONTAINER);
  await store.management.insertStorageAccount({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: "rg",
    name: ACCOUNT,
    location: "westeurope",
    sku: "Standard_LRS",
    kind: "StorageV2",
    tags: {},
    createdAt: Date.now(),
  });
  const hsms = core.hsms;
  const restoring = {
    async setRestoring(hsmId: string, on: boolean): Promise<void> {
      const hsm = (await hsms.list()).find((h) => h.id === hsmId);
      if (hsm !== undefined) hsms.putConfigured({ ...hsm, activation: on ? "Restoring" : "Activated" });
    },
  };
  // Folder names have one-second resolution; each reading of this clock is a second later, so tests never wait.
  let clock = Date.now();
  let storageGate: Promise<void> | undefined;
  const storage: BackupStorage = {
    createContainer: (...args) => blobs.createContainer(...args),
    appendBlob: async (...args) => {
      while (storageGate !== undefined) await storageGate;
      return blobs.appendBlob(...args);
    },
    readBlob: (...args) => blobs.readBlob(...args),
    listBlobs: (...args) => blobs.listBlobs(...args),
  };
  const holdStorage = (): (() => void) => {
    let release: () => void = () => undefined;
    storageGate = new Promise((resolve) => (release = resolve));
    return () => {
      storageGate = undefined;
      release();
    };
  };
  const jobs = new BackupJobs({
    store,
    storage,
    domains,
    restoring,
    evictions: keys.openedKeys,
    now: () => (clock += 1000),
    holder: "test-node",
  });
  const operations = new Map<string, Operation>(
    [
      ...keyOperations(keys),
      ...cryptoOperations(keys),
      ...accessControlOperations({ store, rbac: core.rbac }),
      ...backupOperations(jobs),
    ].map((op) => [op.name, op]),
  );
  const person = (name: string) =>
    core.directory.createUser(core.tenant.id, {
      userPrincipalName: `${name}@contoso.test`,
      displayName: name,
      password: "Some-password-1!",
      enabled: true,
    });
  const cryptoUser = await person("crypto");
  const backupUser = await person("backup");
  const restoreUser = await person("restore");
  const grantAll = async (hsmId: string): Promise<void> => {
    for (const role of [MANAGED_HSM_CRYPTO_USER, MANAGED_HSM_CRYPTO_OFFICER]) await grant(store, hsmId, cryptoUser.id, role);
    await grant(store, hsmId, backupUser.id, MANAGED_HSM_BACKUP);
    await grant(store, hsmId, restoreUser.id, MANAGED_HSM_RESTORE);
  };
  await grantAll(core.hsm.id);
  const tokens = new Map<string, string>();
  const tokenOf = async (principal: PrincipalRecord): Promise<string> => {
    let token = tokens.get(principal.id);
    if (token === undefined) tokens.set(principal.id, (token = await core.token(principal)));
    return token;
  };
  const call = async <T>(name: string, raw: unknown, options: { as?: PrincipalRecord; hsm?: string } = {}): Promise<T> => {
    const operation: Operation | undefined = operations.get(name);
    if (operation === undefined) throw new Error(`no operation ${name}`);
    const token = await tokenOf(options.as ?? cryptoUser);
    return (await core.pipeline.dispatch(operation, raw, core.meta(token, { hsmName: options.hsm ?? core.hsm.name }))) as T;
  };
  return {
    core,
    store,
    control,
    holdStorage,
    seal,
    domains,
    keys,
    blobs,
    jobs,
    cryptoUser,
    backupUser,
    restoreUser,
    call,
    async run(operation, raw, hsm) {
      const started = await call<BackupJobView>(
        operation,
        { storageAccount: ACCOUNT_ID, container: CONTAINER, ...raw },
        { as: core.admin, ...(hsm === undefined ? {} : { hsm }) },
      );
      await jobs.settled(started.jobId);
      return call<BackupJobView>(
        operation === "BackupStart" ? "BackupStatus" : "RestoreStatus",
        { jobId: started.jobId },
        { as: core.admin, ...(hsm === undefined ? {} : { hsm }) },
      );
    },
    async addHsm(name) {
      const added: HsmRuntime = { ...core.hsm, id: randomUUID(), name, hsmUriHost: `${name}.managedhsm.keyhold.test` };
      hsms.putConfigured(added);
      await grant(store, added.id, core.admin.id, MANAGED_HSM_ADMINISTRATOR);
      await grantAll(added.id);
      return added;
    },
    hsm: (name) => hsms.resolve(name),
    async close() {
      await jobs.idle();
      await pool.close();
      await core.close();
    },
  };
}

/** Everything a restore must bring back, in comparable form (sealed material differs by IV, so its public half stands for it). */
export async function contentsOf(store: Store, hsmId: string): Promise<unknown> {
  const keys = [...(await store.keys.listKeys(hsmId, "active")), ...(await store.keys.listKeys(hsmId, "deleted"))];
  const versions = await Promise.all(
    keys.map(async (key) => (await store.keys.listVersions(hsmId, key.name)).map(({ sealedPrivateJwk: _sealed, ...version }) => version)),
  );
  return {
    keys: keys.map((key, i) => ({ ...key, versions: versions[i] })),
    definitions: await store.rbac.listRoleDefinitions(hsmId),
    assignments: await store.rbac.listRoleAssignments(hsmId),
  };
}
