/**
 * Reads of the store's generation, shared so that a call pays for about one.
 *
 * - Within a call (the pipeline puts the call's `PendingChange` in `changeContext` from its start to its result),
 *   the first read is kept for the rest of the call: resolving the HSM, the caller, the RBAC decision and the key
 *   version all ask, and all get that read. A change this process writes meanwhile drops it at once.
 * - Calls read once per turn of the event loop: a call's first question waits for the turn's check phase
 *   (setImmediate), where one read answers every call waiting then. Each of them started before that read was made,
 *   so each sees every change committed before it started (SPEC section 14: "one generation read per turn of the
 *   event loop, shared by the calls waiting on it").
 * - Callers that ask in the same run of the microtask queue share one read (the concurrent calls that one network
 *   event started). The shared read is dropped as soon as the callers queued so far have run, and at once by this
 *   process's own writes; another process's commit is seen by every later read.
 */
import { changeContext, type PendingChange } from "./change-records.js";

interface Pin {
  readonly read: Promise<number>;
  /** `writes` when the read was made: a write by this process since then makes the pin stale. */
  readonly writes: number;
}

export class GenerationReads {
  readonly #read: () => Promise<number>;
  #shared: Promise<number> | undefined;
  /** This process's writes so far (`forget` calls). */
  #writes = 0;
  /** Each call's read; a call's entry goes with the call (weakly held). */
  readonly #pins = new WeakMap<PendingChange, Pin>();
  /** The read this turn's waiting calls share, made when the turn reaches its check phase. */
  #turn: Promise<number> | undefined;

  constructor(read: () => Promise<number>) {
    this.#read = read;
  }

  read(): Promise<number> {
    const call = changeContext.getStore();
    // A call's context also reaches work it started that outlives it (a timer, a shared load): only a call still
    // in flight keeps its read.
    if (call === undefined || call.inFlight !== true) return this.#sharedRead();
    const pin = this.#pins.get(call);
    if (pin !== undefined && pin.writes === this.#writes) return pin.read;
    const read = this.#turnRead();
    this.#pins.set(call, { read, writes: this.#writes });
    // A failed read is not kept: the call's next question tries again.
    read.catch(() => {
      if (this.#pins.get(call)?.read === read) this.#pins.delete(call);
    });
    return read;
  }

  /** This process wrote: every later question reads again, in calls too. */
  forget(): void {
    this.#shared = undefined;
    this.#writes += 1;
  }

  #turnRead(): Promise<number> {
    if (this.#turn !== undefined) return this.#turn;
    const turn = new Promise<number>((resolve, reject) => {
      setImmediate(() => {
        // Calls that ask from here on wait for the next turn's read: this one may be older than their start.
        if (this.#turn === turn) this.#turn = undefined;
        this.#read().then(resolve, reject);
      });
    });
    this.#turn = turn;
    return turn;
  }

  #sharedRead(): Promise<number> {
    if (this.#shared !== undefined) return this.#shared;
    const shared = this.#read();
    this.#shared = shared;
    queueMicrotask(() => {
      if (this.#shared === shared) this.#shared = undefined;
    });
    // A failed read is not shared: the next caller tries again.
    shared.catch(() => {
      if (this.#shared === shared) this.#shared = undefined;
    });
    return shared;
  }
}
