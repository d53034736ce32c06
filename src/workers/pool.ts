/**
 * The worker pool that runs private-key operations off the event loop
 * (piscina, one worker per core by default). Key material reaches each
 * worker once, on demand, and stays in its cache; tasks carry a key
 * reference and the data. The queue is bounded: when it is full a call fails
 * fast with Throttled instead of waiting without limit, and a caller's
 * cancellation aborts its queued task.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { BroadcastChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { JsonWebKey, ProviderName } from "../crypto/index.js";
import { KeyholdError } from "../errors.js";
import type { WorkerSettings } from "./settings.js";
import { errorFromReply, type WorkerReply, type WorkerTask } from "./task.js";

export interface CryptoPoolOptions {
  /** Worker threads; default one per core. */
  readonly threads?: number;
  /** Tasks that may wait for a worker; default 256 per thread. */
  readonly maxQueue?: number;
  /** Per-worker key cache budget; default 64 MiB. */
  readonly cacheBytes?: number;
  readonly providers?: { readonly rsa: ProviderName; readonly ec: ProviderName };
  /** Where the material of a key reference comes from when a worker does not hold it yet. */
  readonly loadKey: (keyRef: string) => Promise<JsonWebKey>;
  /** The worker module; tests point it at a fault-injecting wrapper. */
  readonly workerFile?: string;
}

export type PoolTask = Omit<WorkerTask, "jwk">;

/**
 * The compiled worker next to this module; when this module runs from
 * TypeScript sources (vitest), the built copy under dist/ (npm test builds first).
 */
function defaultWorkerFile(): string {
  const beside = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL("../../dist/src/workers/worker.js", import.meta.url));
  if (existsSync(built)) return built;
  throw new KeyholdError("InternalError", "The crypto worker is not built: run `npm run build`.");
}

function isQueueFull(error: unknown): boolean {
  return error instanceof Error && /queue is at limit/i.test(error.message);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || /aborted/i.test(error.message));
}

export class CryptoPool {
  readonly #piscina: Piscina;
  readonly #evictions: BroadcastChannel;
  readonly #loadKey: (keyRef: string) => Promise<JsonWebKey>;
  /** Loads in flight, shared by the burst of tasks that find a key missing at once. */
  readonly #loading = new Map<string, Promise<JsonWebKey>>();
  readonly threads: number;

  private constructor(piscina: Piscina, evictions: BroadcastChannel, loadKey: (keyRef: string) => Promise<JsonWebKey>, threads: number) {
    this.#piscina = piscina;
    this.#evictions = evictions;
    this.#loadKey = loadKey;
    this.threads = threads;
  }

  /** Starts the workers and waits until each has passed its self-test; rejects (and stops them) otherwise. */
  static async start(options: CryptoPoolOptions): Promise<CryptoPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new KeyholdError("BadParameter", "workers.threads: must be a positive integer", { field: "workers.threads" });
    const settings: WorkerSettings = {
      providers: options.providers ?? { rsa: "native", ec: "native" },
      cacheBytes: options.cacheBytes ?? 64 * 1024 * 1024,
      evictionChannel: `keyhold-evictions-${randomUUID()}`,
    };
    const piscina = new Piscina({
      filename: options.workerFile ?? defaultWorkerFile(),
      minThreads: threads,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? threads * 256,
      concurrentTasksPerWorker: 1,
      // Workers wait for tasks without blocking their event loop, so eviction broadcasts reach them while idle.
      atomics: "async",
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: settings,
    });
    const evictions = new BroadcastChannel(settings.evictionChannel);
    const pool = new CryptoPool(piscina, evictions, options.loadKey, threads);
    try {
      const pings = Array.from({ length: threads }, () => pool.#submit({ operation: "ping", keyRef: "", algorithm: "", data: new Uint8Array(0) }));
      await Promise.all(pings);
    } catch (cause) {
      await pool.close();
      throw new KeyholdError("InternalError", "A crypto worker failed its start-up self-test; refusing to serve.", { cause });
    }
    return pool;
  }

  /** Runs a private-key operation; the key's material is sent to a worker only if it asks for it. */
  async run(task: PoolTask, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    // Each buffer is copied once into one of exactly its size, which is then
    // moved to the worker: the caller's buffer (often a view into a whole
    // request) is neither detached nor cloned in full.
    let reply = await this.#submitOwned(task, undefined, options.signal);
    if (reply.status === "needKey") reply = await this.#submitOwned(task, await this.#load(task.keyRef), options.signal);
    if (reply.status === "error") throw errorFromReply(reply);
    if (reply.status !== "ok") throw new KeyholdError("InternalError", "A crypto worker could not load the key.");
    return reply.value;
  }

  /** Sends copies of the task's buffers, sized to their contents, and moves them to the worker. */
  #submitOwned(task: PoolTask, jwk: JsonWebKey | undefined, signal?: AbortSignal): Promise<WorkerReply> {
    const owned: WorkerTask = {
      ...task,
      data: task.data.slice(),
      ...(task.signature === undefined ? {} : { signature: task.signature.slice() }),
      ...(task.iv === undefined ? {} : { iv: task.iv.slice() }),
      ...(task.aad === undefined ? {} : { aad: task.aad.slice() }),
      ...(task.tag === undefined ? {} : { tag: task.tag.slice() }),
      ...(jwk === undefined ? {} : { jwk }),
    };
    const buffers = [owned.data, owned.signature, owned.iv, owned.aad, owned.tag].flatMap((b) => (b === undefined ? [] : [b.buffer as ArrayBuffer]));
    return this.#submit(owned, signal, buffers);
  }

  #load(keyRef: string): Promise<JsonWebKey> {
    let loading = this.#loading.get(keyRef);
    if (loading === undefined) {
      loading = this.#loadKey(keyRef).finally(() => this.#loading.delete(keyRef));
      this.#loading.set(keyRef, loading);
    }
    return loading;
  }

  async #submit(task: WorkerTask, signal?: AbortSignal, transferList?: ArrayBuffer[]): Promise<WorkerReply> {
    try {
      return (await this.#piscina.run(task, { ...(signal ? { signal } : {}), ...(transferList ? { transferList } : {}) })) as WorkerReply;
    } catch (error) {
      if (isQueueFull(error)) throw new KeyholdError("Throttled", "The server is at capacity: retry with backoff.");
      if (isAbort(error)) throw new KeyholdError("Unavailable", "The call was cancelled before a worker ran it.");
      throw error;
    }
  }

  /** Drops one key version from every worker's cache (disabled, deleted or purged). */
  evict(keyRef: string): void {
    this.#evictions.postMessage({ keyRef });
  }

  /** Drops every key version whose reference starts with `prefix` (a deleted key, a whole HSM). */
  evictPrefix(prefix: string): void {
    this.#evictions.postMessage({ prefix });
  }

  get queueSize(): number {
    return this.#piscina.queueSize;
  }

  async close(): Promise<void> {
    this.#evictions.close();
    await this.#piscina.destroy();
  }
}
