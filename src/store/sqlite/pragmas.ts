/**
 * Connection settings of the embedded store, exported so that the crash test
 * can open a store exactly as production does without a build.
 *
 * WAL with synchronous=FULL fsyncs the log on every commit, so an acknowledged
 * change survives kill -9 and power loss (https://sqlite.org/pragma.html#pragma_synchronous).
 */
import type Database from "better-sqlite3";

/** How long a statement (and opening, below) waits for another process's lock. */
const BUSY_TIMEOUT_MS = 5000;

export const SQLITE_PRAGMAS: readonly string[] = Object.freeze([
  "journal_mode = WAL",
  "synchronous = FULL",
  "foreign_keys = ON",
  // The CLI and the server may write the same file; wait for the lock instead of failing at once.
  `busy_timeout = ${BUSY_TIMEOUT_MS}`,
]);

const RETRY_PAUSE_MS = 10;

/**
 * Applies SQLITE_PRAGMAS. Switching a new file to WAL needs an exclusive lock and fails at once with SQLITE_BUSY,
 * without waiting in SQLite's busy handler, while another process opening the same new file holds a lock (the nodes
 * of `serve --processes N`, or a node and a CLI command); so a busy pragma is retried for as long as busy_timeout
 * would have waited. Opening is synchronous, so the pause is too.
 */
export function applySqlitePragmas(db: Database.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const pragma of SQLITE_PRAGMAS) {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        db.pragma(pragma);
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() >= deadline) throw error;
        Atomics.wait(pause, 0, 0, RETRY_PAUSE_MS);
      }
    }
  }
}
