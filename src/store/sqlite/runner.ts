import type { Database } from "better-sqlite3";
import type { Statements } from "./statement-cache.js";
import { recordPendingChange, totalChanges } from "./pending-change.js";
import { asStoreError } from "./constraint-errors.js";

/**
 * How a repository reaches the database. Outside a transaction, work waits
 * until no `Store.transaction` is open, so that statements of unrelated
 * callers never land inside someone else's transaction; inside one, work runs
 * at once.
 */
export interface SqliteRunner {
  read<T>(work: (db: Statements) => T): Promise<T>;
  /** Runs work in one (possibly nested) transaction; the generation moves by the tables' triggers, not by the runner. */
  write<T>(work: (db: Statements) => T): Promise<T>;
}

export class TransactionGate {
  private open: Promise<void> | null = null;

  async waitUntilClosed(): Promise<void> {
    while (this.open !== null) await this.open;
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // The check and the claim happen in the same microtask, so two waiters cannot both claim.
    while (this.open !== null) await this.open;
    let release: () => void = () => undefined;
    this.open = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      return await fn();
    } finally {
      this.open = null;
      release();
    }
  }
}

export function gatedRunner(db: Database, statements: Statements, gate: TransactionGate): SqliteRunner {
  return {
    async read(work) {
      await gate.waitUntilClosed();
      try {
        return work(statements);
      } catch (error) {
        throw asStoreError(error);
      }
    },
    async write(work) {
      await gate.waitUntilClosed();
      try {
        return db
          .transaction(() => {
            const changesBefore = totalChanges(statements);
            const result = work(statements);
            recordPendingChange(statements, changesBefore, Date.now());
            return result;
          })
          .immediate();
      } catch (error) {
        throw asStoreError(error);
      }
    },
  };
}

/** The runner handed to code inside `Store.transaction`: the transaction is already open. */
export function transactionRunner(db: Database, statements: Statements): SqliteRunner {
  return {
    read: async (work) => work(statements),
    // Nested better-sqlite3 transactions become savepoints of the open one.
    write: async (work) => db.transaction(() => work(statements))(),
  };
}

export function readGeneration(db: Statements): number {
  const row = db.prepare("SELECT value FROM change_generation WHERE id = 1").get() as { value: number } | undefined;
  return row?.value ?? 0;
}

/** The runner, calling `written` after each of its writes (committed or not). */
export function afterWrites(runner: SqliteRunner, written: () => void): SqliteRunner {
  return {
    read: (work) => runner.read(work),
    write: (work) => runner.write(work).finally(written),
  };
}
