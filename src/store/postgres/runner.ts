import type { Pool, PoolClient } from "pg";
import { asStoreError } from "./constraint-errors.js";
import { recordPendingChange } from "./pending-change.js";
import { PgSession, type PgStatements, type Query } from "./statements.js";

/**
 * How a PostgreSQL repository reaches the database. Outside `Store.transaction`, a read runs on the pool and each
 * write in a transaction of its own on a pooled client (with the outbox hook); inside, both run on the transaction's
 * client, each write under a savepoint as a nested SQLite transaction would.
 */
export interface PgRunner {
  read<T>(work: (db: PgStatements) => Promise<T>): Promise<T>;
  write<T>(work: (db: PgStatements) => Promise<T>): Promise<T>;
}

const clientQuery =
  (client: PoolClient): Query =>
  (config) =>
    client.query(config);

/**
 * A client taken from the pool for a while. A checked-out client whose connection dies (the server stops, an
 * administrator ends it) emits 'error' on the client, which the pool listens for only while the client is idle;
 * unheard, it would end the process. The query in flight fails on its own; the client is then not reused.
 */
export async function checkout(pool: Pool): Promise<{ client: PoolClient; release(broken: boolean): void }> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asStoreError(error);
  }
  let died = false;
  const onError = (): void => {
    died = true;
  };
  client.on("error", onError);
  return {
    client,
    release(broken) {
      client.off("error", onError);
      client.release(broken || died);
    },
  };
}

/** Runs fn in one transaction on one pooled client; the call's audit record is written before COMMIT. */
export async function inTransaction<T>(pool: Pool, fn: (session: PgSession) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool);
  let broken = false;
  try {
    await client.query("BEGIN");
    const session = new PgSession(clientQuery(client));
    const result = await fn(session);
    await recordPendingChange(session, Date.now());
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch {
      // The connection is gone (or the COMMIT already failed it): the server rolls back; the client is not reused.
      broken = true;
    }
    throw asStoreError(error);
  } finally {
    release(broken);
  }
}

export function poolRunner(pool: Pool): PgRunner {
  return {
    async read(work) {
      try {
        return await work(new PgSession((config) => pool.query(config)));
      } catch (error) {
        throw asStoreError(error);
      }
    },
    write: (work) => inTransaction(pool, work),
  };
}

/**
 * The runner handed to code inside `Store.transaction`. Writes take turns (their savepoints must nest, not
 * interleave, on the one connection); a failed write is rolled back to its savepoint so the transaction goes on,
 * as a failed statement inside a SQLite transaction leaves the rest of it standing.
 */
export function transactionRunner(session: PgSession): PgRunner {
  let turn: Promise<unknown> = Promise.resolve();
  return {
    read: (work) => work(session),
    write<T>(work: (db: PgStatements) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        await session.prepare("SAVEPOINT keyhold_write").run();
        try {
          const result = await work(session);
          await session.prepare("RELEASE SAVEPOINT keyhold_write").run();
          return result;
        } catch (error) {
          await session.prepare("ROLLBACK TO SAVEPOINT keyhold_write").run();
          await session.prepare("RELEASE SAVEPOINT keyhold_write").run();
          throw error;
        }
      };
      const result = turn.then(run, run);
      turn = result.catch(() => undefined);
      return result;
    },
  };
}

export async function readGeneration(db: PgStatements): Promise<number> {
  const row = (await db.prepare("SELECT value FROM change_generation WHERE id = 1").get()) as { value: number } | undefined;
  return row?.value ?? 0;
}

/** The runner, calling `written` after each of its writes (committed or not). */
export function afterWrites(runner: PgRunner, written: () => void): PgRunner {
  return {
    read: (work) => runner.read(work),
    write: (work) => runner.write(work).finally(written),
  };
}
