/**
 * Full backup, restore and selective key restore as jobs (SPEC section 8,
 * reference section 3): a start call checks its input, claims the HSM's one
 * job slot in the store (Conflict when taken) and returns the job InProgress;
 * the work runs in the background and ends the job Succeeded or Failed.
 *
 * A restore verifies the whole folder before it touches anything; only then
 * is the HSM marked Restoring (every other data-plane call is refused), its
 * contents replaced in one transaction that also ends the job, cached key
 * material evicted, and the mark lifted.
 *
 * Several nodes may share the store (SPEC section 14): a job is run by the
 * node that started it, which holds a lease on it in the store and renews it
 * while it runs. A node that dies leaves the old contents and a job
 * InProgress whose lease runs out; `recoverInterrupted` (at start, and on
 * every node's maintenance tick) marks such jobs Failed and lifts a Restoring
 * mark left behind. A job is never run twice and never written to a second
 * folder: a node that was only stalled finds its job Failed, and a restore's
 * transaction commits only while its job is still in progress.
 */
import { randomBytes } from "node:crypto";
import { KeyholdError } from "../../errors.js";
import { changeContext, type BackupJobKind, type BackupJobRecord, type Store, type StoreRepositories } from "../../store/index.js";
import type { HsmRuntime } from "../../pipeline/hsm-registry.js";
import type { DomainKeys } from "../keys/domain.js";
import type { KeyEvictions } from "../keys/opened-keys.js";
import type { BackedUpKey } from "./contents.js";
import { backupFolderName } from "./folder-name.js";
import { folderKeysOf } from "./folder-keys.js";
import { readBackupFolder } from "./read-folder.js";
import { replaceHsmContents, restoreOneKey } from "./replace-contents.js";
import { keyRecords } from "./restore-records.js";
import { readHsmContents } from "./snapshot.js";
import { resolveLocation, type StorageRequest } from "./storage-target.js";
import type { BackupLocation, BackupStorage } from "./storage.js";
import { writeBackupFolder } from "./write-folder.js";

/** Marks an HSM Restoring (the pipeline then refuses all but RestoreStatus) and lifts the mark; the registry implements it. */
interface RestoringSwitch {
  setRestoring(hsmId: string, on: boolean): Promise<void>;
}

export interface BackupJobsDeps {
  readonly store: Store;
  readonly storage: BackupStorage;
  readonly domains: { get(hsmId: string): Promise<DomainKeys> };
  readonly restoring: RestoringSwitch;
  /** Main-thread and worker caches of opened key material (the key domain's OpenedKeys). */
  readonly evictions: Pick<KeyEvictions, "evictPrefix">;
  readonly now?: () => number;
  /** This node's id: the holder of the jobs it runs. */
  readonly holder: string;
  /** How long a job's lease lasts without renewal (renewed every third of it); default 30 s. */
  readonly leaseMs?: number;
  /** Where failures that are not the caller's are reported (the job only says InternalError). */
  readonly onError?: (error: unknown, job: BackupJobRecord) => void;
}

export type JobHsm = Pick<HsmRuntime, "id" | "name" | "hsmUriHost">;

const INTERRUPTED = {
  code: "InternalError",
  message: "The job was interrupted: the server running it stopped. The HSM keeps the contents it had before.",
} as const;

const DEFAULT_LEASE_MS = 30_000;

export class BackupJobs {
  readonly #deps: BackupJobsDeps;
  readonly #now: () => number;
  readonly #running = new Map<string, Promise<void>>();
  readonly #lease: { readonly holder: string; readonly leaseMs: number };

  constructor(deps: BackupJobsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#lease = { holder: deps.holder, leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS };
  }

  /**
   * At start, before serving: jobs this node held before it restarted, and jobs of any node whose lease ran out,
   * are Failed, and HSMs they left Restoring are served again.
   */
  recoverInterrupted(): Promise<BackupJobRecord[]> {
    return this.#failAbandoned(this.#lease.holder);
  }

  /** On each maintenance tick, on every node: jobs whose node stopped renewing their lease (it died) are Failed. */
  failAbandoned(): Promise<BackupJobRecord[]> {
    return this.#failAbandoned(undefined);
  }

  async #failAbandoned(formerHolder: string | undefined): Promise<BackupJobRecord[]> {
    const failed = await this.#deps.store.backupJobs.failAbandoned(this.#now(), INTERRUPTED, formerHolder);
    for (const job of failed) if (job.kind === "restore") await this.#deps.restoring.setRestoring(job.hsmId, false);
    // And any HSM whose restore ended on a node that could not lift the mark then (the store was down, or it died).
    await this.#deps.store.backupJobs.liftOrphanedRestoring(this.#now());
    return failed;
  }

  async startBackup(hsm: JobHsm, request: StorageRequest): Promise<BackupJobRecord> {
    const startedAt = this.#now();
    const folder = backupFolderName(hsm.name, new Date(startedAt));
    const { location, folderBlobs } = await resolveLocation(this.#deps.store, this.#deps.storage, request, folder, {
      createContainer: true,
    });
    if (folderBlobs.length > 0)
      throw new KeyholdError(
        "Conflict",
        `Folder ${folder} already exists in container ${location.container}; start the backup again in a second.`,
      );
    return this.#start(hsm, "backup", location, folder, undefined, startedAt, () => this.#backup(hsm, location, folder, startedAt));
  }

  async startRestore(hsm: JobHsm, request: StorageRequest, folder: string): Promise<BackupJobRecord> {
    const { location } = await resolveLocation(this.#deps.store, this.#deps.storage, request, folder);
    return this.#start(hsm, "restore", location, folder, undefined, this.#now(), (job) => this.#restore(hsm, location, job));
  }

  async startSelectiveKeyRestore(hsm: JobHsm, request: StorageRequest, folder: string, keyName: string): Promise<BackupJobRecord> {
    const { location } = await resolveLocation(this.#deps.store, this.#deps.storage, request, folder);
    return this.#start(hsm, "selectiveKeyRestore", location, folder, keyName, this.#now(), (job) =>
      this.#restoreKey(hsm, location, job, keyName),
    );
  }

  /** A job of this HSM; `restore` status covers selective key restores, as Managed HSM's `/restore/{jobId}/pending` does. */
  async get(hsm: JobHsm, jobId: string, kind: "backup" | "restore"): Promise<BackupJobRecord> {
    const job = await this.#deps.store.backupJobs.get(hsm.id, jobId);
    if (job === undefined || (kind === "backup") !== (job.kind === "backup")) {
      throw new KeyholdError("NotFound", `HSM '${hsm.name}' has no ${kind} job ${jobId}.`, { field: "jobId" });
    }
    return job;
  }

  /** Resolves when the job's background work has ended (at once when it is not running here). */
  async settled(jobId: string): Promise<void> {
    await this.#running.get(jobId);
  }

  /** Resolves when every job running in this process has ended (shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#running.values()]);
  }

  async #start(
    hsm: JobHsm,
    kind: BackupJobKind,
    location: BackupLocation,
    folder: string,
    keyName: string | undefined,
    startedAt: number,
    work: (job: BackupJobRecord) => Promise<boolean>,
  ): Promise<BackupJobRecord> {
    const job: BackupJobRecord = {
      id: randomBytes(16).toString("hex"),
      hsmId: hsm.id,
      kind,
      status: "InProgress",
      storageAccount: location.storageAccount,
      container: location.container,
      folder,
      keyName,
      startedAt,
      endedAt: undefined,
      error: undefined,
    };
    await this.#deps.store.backupJobs.insert(job, this.#lease);
    // The job outlives the call: its later commits are the job's (the call's record names it), not the call's change.
    const running = changeContext.exit(() => this.#leased(job, () => this.#run(job, work))).finally(() => this.#running.delete(job.id));
    this.#running.set(job.id, running);
    return job;
  }

  /** Renews the job's lease while `run` runs, so that other nodes do not fail a job that is alive. */
  async #leased(job: BackupJobRecord, run: () => Promise<void>): Promise<void> {
    const renew = (): void => {
      this.#deps.store.backupJobs.renewLease(job.id, this.#lease).catch((error: unknown) => this.#deps.onError?.(error, job));
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(this.#lease.leaseMs / 3)));
    timer.unref();
    try {
      await run();
    } finally {
      clearInterval(timer);
    }
  }

  /** `work` returns whether it already ended the job (a restore ends it inside its transaction). */
  async #run(job: BackupJobRecord, work: (job: BackupJobRecord) => Promise<boolean>): Promise<void> {
    try {
      if (!(await work(job))) await this.#deps.store.backupJobs.finish(job.id, { status: "Succeeded", endedAt: this.#now() });
    } catch (thrown) {
      const error = thrown instanceof KeyholdError && thrown.code !== "InternalError" ? thrown : undefined;
      if (error === undefined) this.#deps.onError?.(thrown, job);
      await this.#deps.store.backupJobs
        .finish(job.id, {
          status: "Failed",
          endedAt: this.#now(),
          error:
            error === undefined
              ? { code: "InternalError", message: `The ${job.kind} job failed with an internal error.` }
              : { code: error.code, message: error.message },
        })
        .catch((finishError: unknown) => this.#deps.onError?.(finishError, job));
    }
  }

  async #backup(hsm: JobHsm, location: BackupLocation, folder: string, startedAt: number): Promise<boolean> {
    const domain = await this.#deps.domains.get(hsm.id);
    const contents = await readHsmContents(this.#deps.store, domain);
    const origin = { folder, hsmId: hsm.id, hsmName: hsm.name, createdAt: new Date(startedAt) };
    await writeBackupFolder(this.#deps.storage, location, folderKeysOf(domain), origin, contents);
    return false;
  }

  async #restore(hsm: JobHsm, location: BackupLocation, job: BackupJobRecord): Promise<boolean> {
    const domain = await this.#deps.domains.get(hsm.id);
    const { contents } = await readBackupFolder(this.#deps.storage, location, folderKeysOf(domain), job.folder);
    const keys = contents.keys.map((key) => keyRecords(domain, hsm, key));
    await this.#deps.restoring.setRestoring(hsm.id, true);
    try {
      await this.#deps.store.transaction(async (tx) => {
        await replaceHsmContents(tx, {
          hsmId: hsm.id,
          keys,
          definitions: contents.roles.definitions,
          assignments: contents.roles.assignments,
        });
        await finishInTransaction(tx, job, this.#now());
      });
    } finally {
      // Whatever the outcome, no cached material of the old (or unchanged) contents is served from memory.
      this.#deps.evictions.evictPrefix(`${hsm.id}/`);
      await this.#deps.restoring.setRestoring(hsm.id, false);
    }
    return true;
  }

  async #restoreKey(hsm: JobHsm, location: BackupLocation, job: BackupJobRecord, keyName: string): Promise<boolean> {
    const domain = await this.#deps.domains.get(hsm.id);
    const { contents } = await readBackupFolder(this.#deps.storage, location, folderKeysOf(domain), job.folder);
    const wanted = keyName.toLowerCase();
    const backedUp: BackedUpKey | undefined = contents.keys.find((key) => key.name.toLowerCase() === wanted);
    if (backedUp === undefined) throw new KeyholdError("KeyNotFound", `Key '${keyName}' is not in backup ${job.folder}.`);
    const records = keyRecords(domain, hsm, backedUp, "active");
    await this.#deps.store.transaction(async (tx) => {
      await restoreOneKey(tx, records);
      await finishInTransaction(tx, job, this.#now());
    });
    return true;
  }
}

/**
 * Ends the job inside the transaction that carries out its work, and rolls the work back when the job is no longer
 * in progress: another node failed it because this one stalled past its lease, and the caller was told it failed.
 */
async function finishInTransaction(tx: StoreRepositories, job: BackupJobRecord, endedAt: number): Promise<void> {
  if (!(await tx.backupJobs.finish(job.id, { status: "Succeeded", endedAt }))) {
    throw new KeyholdError("Unavailable", `The ${job.kind} job ${job.id} was ended while it ran (its node stalled); nothing was changed.`);
  }
}
