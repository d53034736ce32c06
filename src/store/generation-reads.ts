/**
 * How a node learns the store's generation cheaply without ever trusting a read that may predate a call's start
 * (SPEC section 14: a change committed before a call starts is honoured by that call).
 *
 * - One read per call: inside `withOneGenerationRead` (the pipeline runs each call in it), every cache the call asks
 *   (the HSM, the caller, local RBAC, the key version) gets the same read, made when the call first asks. This
 *   process's own writes void it (the next ask reads again), and it ends with the call, so background work the call
 *   started reads afresh.
 * - Shared between calls: a read sent during the current run of the microtask queue is shared by every caller in
 *   that run (all of them started before it was sent). A read already on its way from an earlier run is not: a
 *   caller that arrives meanwhile waits for the one next read, which is sent when the read in flight returns and is
 *   shared by everyone who queued for it. At most one read is in flight and one queued, however many calls arrive.
 */
import { AsyncLocalStorage } from "node:async_hooks";

interface CallScope {
  open: boolean;
  readonly reads: Map<GenerationReads, { readonly writes: number; readonly read: Promise<number> }>;
}

const callScope = new AsyncLocalStorage<CallScope>();

/** Runs one call: its generation checks share one read (see above). */
export async function withOneGenerationRead<T>(fn: () => Promise<T>): Promise<T> {
  const scope: CallScope = { open: true, reads: new Map() };
  try {
    return await callScope.run(scope, fn);
  } finally {
    scope.open = false;
  }
}

export class GenerationReads {
  readonly #read: () => Promise<number>;
  /** Counts this process's writes: a call's read made before one of them is not reused after it. */
  #writes = 0;
  /** The read sent during the current run of the microtask queue. */
  #thisTurn: Promise<number> | undefined;
  #inFlight: Promise<number> | undefined;
  #queued: { readonly promise: Promise<number>; send(): void } | undefined;

  constructor(read: () => Promise<number>) {
    this.#read = read;
  }

  read(): Promise<number> {
    const scope = callScope.getStore();
    if (scope === undefined || !scope.open) return this.#shared();
    const taken = scope.reads.get(this);
    if (taken !== undefined && taken.writes === this.#writes) return taken.read;
    const read = this.#shared();
    scope.reads.set(this, { writes: this.#writes, read });
    // A failed read is not kept: the call's next check tries again.
    read.catch(() => {
      if (scope.reads.get(this)?.read === read) scope.reads.delete(this);
    });
    return read;
  }

  /** This process wrote: no read sent before now is handed out again. */
  forget(): void {
    this.#writes++;
    this.#thisTurn = undefined;
  }

  #shared(): Promise<number> {
    if (this.#thisTurn !== undefined) return this.#thisTurn;
    if (this.#queued !== undefined) return this.#queued.promise;
    if (this.#inFlight === undefined) return this.#send();
    let send!: () => void;
    const promise = new Promise<number>((resolve, reject) => {
      send = () => this.#send().then(resolve, reject);
    });
    // Settled by the read it waits for, whose own failure is its callers' to see.
    promise.catch(() => undefined);
    this.#queued = { promise, send };
    return promise;
  }

  #send(): Promise<number> {
    const read = this.#read();
    this.#inFlight = read;
    this.#thisTurn = read;
    queueMicrotask(() => {
      if (this.#thisTurn === read) this.#thisTurn = undefined;
    });
    const settled = (): void => {
      if (this.#inFlight !== read) return;
      this.#inFlight = undefined;
      const queued = this.#queued;
      this.#queued = undefined;
      queued?.send();
    };
    read.then(settled, settled);
    return read;
  }
}
