/**
 * A crypto worker pool for test cores that starts on the first task: the key and crypto operations of a core still
 * run on real workers, each passing its start-up self-test, and the many tests that never sign, encrypt or wrap do not
 * pay for a worker's start (a thread, the crypto modules and the self-test: about half a second of CPU each).
 */
import { CryptoPool, type CryptoPoolOptions, type RunOptions } from "../../src/workers/pool.js";

export type LazyPool = Pick<CryptoPool, "run" | "evict" | "evictPrefix" | "close">;

export function lazyPool(options: CryptoPoolOptions): LazyPool {
  let started: Promise<CryptoPool> | undefined;
  let running: CryptoPool | undefined;
  const pool = (): Promise<CryptoPool> => (started ??= CryptoPool.start(options).then((ready) => (running = ready)));
  return {
    run: (async (task: never, runOptions?: RunOptions, read?: never) =>
      (await pool()).run(task, runOptions ?? {}, read as never)) as CryptoPool["run"],
    // Until the workers have started, none of them holds a key, so an eviction has nothing to drop.
    evict: (keyRef) => running?.evict(keyRef),
    evictPrefix: (prefix) => running?.evictPrefix(prefix),
    close: async () => {
      if (started !== undefined) await (await started).close();
    },
  };
}
