/**
 * Connection settings of the embedded store, exported so that the crash test
 * can open a store exactly as production does without a build.
 *
 * WAL with synchronous=FULL fsyncs the log on every commit, so an acknowledged
 * change survives kill -9 and power loss (https://sqlite.org/pragma.html#pragma_synchronous).
 */
export const SQLITE_PRAGMAS: readonly string[] = Object.freeze([
  "journal_mode = WAL",
  "synchronous = FULL",
  "foreign_keys = ON",
  // The CLI and the server may write the same file; wait for the lock instead of failing at once.
  "busy_timeout = 5000",
]);
