/**
 * When the journal writes a group commit on the event loop's own thread instead of through libuv's thread pool.
 *
 * Through the pool, a group's durable write cost the server far more CPU per call than the write itself: ES256 unary
 * signs, 64 in flight, server CPU per call over five alternating rounds (median): 422 µs through the pool, 357 µs
 * written inline, 353 µs with the write left out (README, "Where the time goes"). The trip wakes a pool thread, then
 * the sleeping event loop, once per group. Written inline, the loop waits in the write instead: cheap while the disk
 * answers in a fraction of a millisecond, and unacceptable when it does not, since every call on the node waits with
 * it. So a group is written inline only while inline writes stay under `thresholdMs`; after a slower one the journal
 * goes through the pool for `backoffMs` and then tries inline again. A disk that stays slow costs the loop one slow
 * write per `backoffMs`.
 */
export interface InlineWriteSettings {
  /** An inline write that took this long or longer sends the next writes through the pool (0: never inline). */
  readonly thresholdMs: number;
  /** How long writes go through the pool after a slow inline one. */
  readonly backoffMs: number;
  /** Milliseconds, monotonic (tests pass their own). */
  readonly clock?: () => number;
}

export const DEFAULT_INLINE_WRITES: InlineWriteSettings = Object.freeze({ thresholdMs: 1, backoffMs: 10_000 });

export class InlineWritePolicy {
  readonly #settings: InlineWriteSettings;
  readonly #clock: () => number;
  #poolUntil = Number.NEGATIVE_INFINITY;

  constructor(settings: InlineWriteSettings) {
    this.#settings = settings;
    this.#clock = settings.clock ?? (() => performance.now());
  }

  /** True when the next group may be written inline. */
  get inline(): boolean {
    return this.#settings.thresholdMs > 0 && this.#clock() >= this.#poolUntil;
  }

  /** Runs one inline write and notes how long it took. */
  timed(write: () => void): void {
    const started = this.#clock();
    try {
      write();
    } finally {
      const ended = this.#clock();
      if (ended - started >= this.#settings.thresholdMs) this.#poolUntil = ended + this.#settings.backoffMs;
    }
  }
}
