/**
 * The worker pool that runs private-key operations off the event loop
 * (piscina, one worker per core by default). Key material reaches each
 * worker once, on demand, and stays in its cache; tasks carry a key
 * reference and the data. The queue is bounded: when it is full a call fails
 * fast with Throttled instead of waiting without limit, and a caller's
 * cancellation drops its queued task.
 *
 * Tasks wait here, not in piscina, and go to the workers in batches: each
 * worker has at most one batch in flight, made of what queued while it was
 * busy or arrived together. Waking a thread costs tens of microseconds on
 * this kind of virtual machine (a postMessage to a sleeping worker measured
 * as much as an ES256 sign), so under load one message carries many tasks;
 * an idle pool sends what queued at the end of the event loop's turn
 * (setImmediate), so the calls that every network event of that turn
 * started share one message per worker.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { BroadcastChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { JsonWebKey, ProviderName } from "../crypto/index.js";
import { KeyholdError, badParameter } from "../errors.js";
import type { WorkerSettings } from "./settings.js";
import { errorFromReply, WORKER_FAILED, type AnswerOf, type PoolTask, type WorkerReply, type WorkerTask } from "./task.js";

/** At most this many tasks per message, so that a burst is still spread over every worker. */
const MAX_BATCH = 32;

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

export type { PoolTask } from "./task.js";

/**
 * A caller's cancellation as the pool reads it: an AbortSignal is one, and so is a gRPC call's own flag
 * (src/transport/grpc/server.ts), which costs no AbortController and no listener per call.
 */
export interface Cancellation {
  readonly aborted: boolean;
}

export interface RunOptions {
  /** The caller's cancellation: a task still queued when its worker is about to take it is dropped and rejected with Unavailable. */
  readonly signal?: Cancellation | undefined;
}

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

interface Queued {
  readonly task: WorkerTask;
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: Cancellation | undefined;
}

const cancelled = (): KeyholdError => new KeyholdError("Unavailable", "The call was cancelled before a worker ran it.");
const shuttingDown = (): KeyholdError => new KeyholdError("Unavailable", "The crypto workers are shutting down.");

/** The fields of a task that hold bytes: copied once into buffers of their exact size, then moved to the worker. */
const BUFFER_FIELDS = ["data", "signature", "iv", "aad", "tag"] as const;

/** Any task seen through its byte fields, whichever of them its operation has. */
type ByteFields = { [F in (typeof BUFFER_FIELDS)[number]]?: Uint8Array | undefined };

/**
 * A copy of the task in which every byte field has an ArrayBuffer of its own, exactly its contents, so it can be
 * moved without touching the caller's. `new Uint8Array(view)` always allocates; `slice()` does not do that for a
 * Buffer (Buffer#slice is a view), and the fields a caller passes often share one ArrayBuffer: the decoded gRPC
 * message, or Node's pool of small Buffers, which other code in this process still uses. A view of either in the
 * transfer list detached it for everyone, or named it twice (DataCloneError, INTERNAL to the caller).
 */
function owned(task: PoolTask, jwk: JsonWebKey | undefined): WorkerTask {
  const copy: WorkerTask = jwk === undefined ? { ...task } : { ...task, jwk };
  const fields = copy as ByteFields;
  for (const field of BUFFER_FIELDS) {
    const bytes = fields[field];
    if (bytes !== undefined) fields[field] = new Uint8Array(bytes);
  }
  return copy;
}

/** The ArrayBuffers to move: one per field, each whole and its field's alone, because `owned` made them. */
function buffersOf(task: WorkerTask): ArrayBuffer[] {
  const fields = task as ByteFields;
  return BUFFER_FIELDS.flatMap((field) => (fields[field] === undefined ? [] : [fields[field].buffer as ArrayBuffer]));
}

export class CryptoPool {
  readonly #piscina: Piscina;
  readonly #evictions: BroadcastChannel;
  readonly #loadKey: (keyRef: string) => Promise<JsonWebKey>;
  /** Loads in flight, shared by the burst of tasks that find a key missing at once. */
  readonly #loading = new Map<string, Promise<JsonWebKey>>();
  readonly #maxQueue: number;
  /** Tasks waiting for a worker, oldest first. */
  #queue: Queued[] = [];
  #batchesInFlight = 0;
  #dispatchScheduled = false;
  #closed = false;
  readonly threads: number;

  private constructor(
    piscina: Piscina,
    evictions: BroadcastChannel,
    loadKey: (keyRef: string) => Promise<JsonWebKey>,
    threads: number,
    maxQueue: number,
  ) {
    this.#piscina = piscina;
    this.#evictions = evictions;
    this.#loadKey = loadKey;
    this.threads = threads;
    this.#maxQueue = maxQueue;
    piscina.on("error", (error: unknown) => {
      // A worker that dies outside a task once the pool is closed (its start refused, or shut down) has nothing left
      // to serve: piscina may still be replacing it, and that replacement's failure is no news.
      if (this.#closed) return;
      // While serving, a worker failing outside a task (its self-test, once piscina replaced it) means this process
      // cannot trust its crypto: fail closed, as an uncaught error, as before this listener existed.
      throw error;
    });
  }

  /** Starts the workers and waits until each has passed its self-test; rejects (and stops them) otherwise. */
  static async start(options: CryptoPoolOptions): Promise<CryptoPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw badParameter("workers.threads", "must be a positive integer");
    const maxQueue = options.maxQueue ?? threads * 256;
    const settings: WorkerSettings = {
      providers: options.providers ?? { rsa: "native", ec: "native" },
      cacheBytes: options.cacheBytes ?? 64 * 1024 * 1024,
      evictionChannel: `keyhold-evictions-${randomUUID()}`,
    };
    const piscina = new Piscina({
      filename: options.workerFile ?? defaultWorkerFile(),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      // Workers wait for tasks without blocking their event loop, so eviction broadcasts reach them while idle.
      atomics: "async",
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: settings,
    });
    const evictions = new BroadcastChannel(settings.evictionChannel);
    const pool = new CryptoPool(piscina, evictions, options.loadKey, threads, maxQueue);
    try {
      // One ping per worker, each in its own batch, and every one answered: every worker has passed its self-test.
      const pings = Array.from({ length: threads }, () =>
        piscina.run([{ operation: "ping", keyRef: "", algorithm: "", data: new Uint8Array(0) } satisfies WorkerTask]),
      );
      await Promise.all(pings);
    } catch (cause) {
      await pool.close();
      throw new KeyholdError("InternalError", "A crypto worker failed its start-up self-test; refusing to serve.", { cause });
    }
    return pool;
  }

  /**
   * Runs a private-key operation and answers what its operation answers (`AnswerOf`), or what `read` makes of it
   * (verify: `isValid`) in the same promise; the key's material is sent to a worker only if it asks for it.
   */
  run<T extends PoolTask>(task: T, options?: RunOptions): Promise<AnswerOf<T>>;
  run<T extends PoolTask, A>(task: T, options: RunOptions, read: (answer: AnswerOf<T>) => A): Promise<A>;
  async run<T extends PoolTask, A>(task: T, options: RunOptions = {}, read?: (answer: AnswerOf<T>) => A): Promise<AnswerOf<T> | A> {
    let reply = await this.#enqueue(owned(task, undefined), options.signal);
    if (reply.status === "needKey") reply = await this.#enqueue(owned(task, await this.#load(task.keyRef)), options.signal);
    if (reply.status === "error") throw errorFromReply(reply);
    if (reply.status !== "ok") throw new KeyholdError("InternalError", "A crypto worker could not load the key.");
    // The worker answered this task's operation (perform.ts, one case each); its type does not survive the clone.
    const answer = reply.value as AnswerOf<T>;
    return read === undefined ? answer : read(answer);
  }

  #load(keyRef: string): Promise<JsonWebKey> {
    let loading = this.#loading.get(keyRef);
    if (loading === undefined) {
      loading = this.#loadKey(keyRef).finally(() => this.#loading.delete(keyRef));
      this.#loading.set(keyRef, loading);
    }
    return loading;
  }

  #enqueue(task: WorkerTask, signal: Cancellation | undefined): Promise<WorkerReply> {
    if (this.#closed) return Promise.reject(shuttingDown());
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.#queue.length >= this.#maxQueue)
      return Promise.reject(new KeyholdError("Throttled", "The server is at capacity: retry with backoff."));
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#queue.push({ task, resolve, reject, signal });
      this.#dispatchSoon();
    });
  }

  /**
   * Dispatches at the end of this turn of the event loop (its check phase): the calls that this turn's network
   * events (and finished batches) set going enqueue before it and share one message per worker instead of waking a
   * worker each. Under load a turn handles many calls; a lone call waits only for the rest of its turn.
   */
  #dispatchSoon(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  /**
   * Gives each idle worker its share of the queue. A task whose caller cancelled is dropped here, as it leaves the
   * queue: asking each task's cancellation then costs nothing per call, where a listener per queued task cost an
   * AbortController and two event-target calls. A running task is not cancelled: it is about to answer.
   */
  #dispatch(): void {
    while (this.#batchesInFlight < this.threads && this.#queue.length > 0) {
      const idle = this.threads - this.#batchesInFlight;
      const batch = this.#queue.splice(0, Math.min(MAX_BATCH, Math.ceil(this.#queue.length / idle))).filter((entry) => {
        if (entry.signal?.aborted !== true) return true;
        entry.reject(cancelled());
        return false;
      });
      if (batch.length === 0) continue;
      const tasks = batch.map((entry) => entry.task);
      this.#batchesInFlight++;
      this.#piscina
        .run(tasks, { transferList: tasks.flatMap(buffersOf) })
        .then(
          (replies: WorkerReply[]) => batch.forEach((entry, i) => entry.resolve(replies[i] ?? WORKER_FAILED)),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.#batchesInFlight--;
          this.#dispatch();
        });
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

  /** Tasks waiting for a worker. */
  get queueSize(): number {
    return this.#queue.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#queue.splice(0)) entry.reject(shuttingDown());
    this.#evictions.close();
    await this.#piscina.destroy();
  }
}
