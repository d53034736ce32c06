/**
 * One read of the generation shared by the callers that ask for it together: the concurrent calls that the same
 * network event started reach each cache's check in the same run of the microtask queue, and a data-plane call asks
 * several caches. The shared read is dropped as soon as the callers queued so far have run (and at once by this
 * process's own writes), so a call never sees a generation older than its own start; another process's commit is
 * seen by every later read.
 */
export class GenerationReads {
  readonly #read: () => Promise<number>;
  #shared: Promise<number> | undefined;

  constructor(read: () => Promise<number>) {
    this.#read = read;
  }

  read(): Promise<number> {
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

  forget(): void {
    this.#shared = undefined;
  }
}
