/**
 * Time as the load loops see it, in milliseconds. Injected so that tests can
 * drive the open-loop scheduler with a virtual clock and a stalled server.
 */
export interface Clock {
  now(): number;
  /** Resolves at `atMillis` or when `signal` aborts, whichever comes first. */
  sleepUntil(atMillis: number, signal: AbortSignal): Promise<void>;
}

/**
 * Sleepers waiting on each stop signal: one abort listener per signal wakes
 * them all, instead of one listener per sleeping loop (hundreds with --stream).
 */
const sleepers = new WeakMap<AbortSignal, Set<() => void>>();

function sleepersOf(signal: AbortSignal): Set<() => void> {
  let set = sleepers.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    signal.addEventListener(
      "abort",
      () => {
        for (const wake of created) wake();
        created.clear();
      },
      { once: true },
    );
    sleepers.set(signal, created);
    set = created;
  }
  return set;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil(atMillis, signal) {
    const delay = atMillis - performance.now();
    if (delay <= 0 || signal.aborted) return Promise.resolve();
    const waiting = sleepersOf(signal);
    // Node timers fire at whole milliseconds or later; the lateness counts
    // against latency (measured from the intended time), never hides it.
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delay);
      waiting.add(wake);
    });
  },
};
