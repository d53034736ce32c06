/**
 * The two store implementations the behaviour suite runs against (`describe.each(STORE_KINDS)`): a test that passes
 * on SQLite and not on PostgreSQL is a failure. PostgreSQL is a real server (KEYHOLD_TEST_POSTGRES_URL, default the
 * local one .ci/run starts); each run creates its own database through the maintenance database and drops it after.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { openPostgresStore, openStore, STORE_FILE_NAME, type Store } from "../../src/store/index.js";

export const POSTGRES_URL = process.env.KEYHOLD_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A place stores open on (a data dir, a database): every store opened on one place shares its data. */
export interface StorePlace {
  open(): Promise<Store>;
  /** Runs raw SQL against the place, below the store (for tests that tamper with the schema). */
  exec(sql: string): Promise<void>;
  /** Rows of a raw query. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export interface StoreKind {
  readonly name: "sqlite" | "postgres";
  /** A fresh, empty place; `dropAll` removes every place this kind made. */
  place(): Promise<StorePlace>;
  dropAll(): Promise<void>;
}

function sqliteKind(): StoreKind {
  const dirs: string[] = [];
  return {
    name: "sqlite",
    async place() {
      const dataDir = mkdtempSync(join(tmpdir(), "keyhold-store-"));
      dirs.push(dataDir);
      const withDb = <T>(fn: (db: Database.Database) => T): T => {
        const db = new Database(join(dataDir, STORE_FILE_NAME));
        try {
          return fn(db);
        } finally {
          db.close();
        }
      };
      return {
        open: () => openStore({ dataDir }),
        exec: async (sql) => withDb((db) => void db.exec(sql)),
        query: async (sql) => withDb((db) => db.prepare(sql).all() as Record<string, unknown>[]),
      };
    },
    async dropAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function databaseUrl(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named keyhold_test_<random> through the maintenance database. */
export async function createTestDatabase(): Promise<string> {
  const name = `keyhold_test_${randomBytes(6).toString("hex")}`;
  await withClient(POSTGRES_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  return name;
}

/** Drops the database, ending whatever connections are still open on it first. */
export async function dropTestDatabase(name: string): Promise<void> {
  await withClient(POSTGRES_URL, async (client) => {
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
  });
}

function postgresKind(): StoreKind {
  const databases: string[] = [];
  return {
    name: "postgres",
    async place() {
      const name = await createTestDatabase();
      databases.push(name);
      const url = databaseUrl(name);
      return {
        open: () => openPostgresStore({ url, poolSize: 4 }),
        exec: (sql) => withClient(url, async (client) => void (await client.query(sql))),
        query: (sql) => withClient(url, async (client) => (await client.query(sql)).rows as Record<string, unknown>[]),
      };
    },
    async dropAll() {
      for (const name of databases.splice(0)) await dropTestDatabase(name);
    },
  };
}

export const STORE_KINDS: readonly StoreKind[] = [sqliteKind(), postgresKind()];
