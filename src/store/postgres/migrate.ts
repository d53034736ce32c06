import type { Pool } from "pg";
import { KeyholdError } from "../../errors.js";
import type { Migration } from "../migration.js";
import { checkout } from "./runner.js";

/** The session-level advisory lock every opener takes while it migrates ("keyhold migrations"). */
const MIGRATION_LOCK = "7307291164011001";

/**
 * Applies, in order and each in its own transaction, every migration the database has not seen, holding an advisory
 * lock so that nodes opening the same database together wait for the first and then find nothing left to do. A
 * connection that dies mid-migration releases the lock with it.
 */
export async function applyMigrations(pool: Pool, migrations: readonly Migration[]): Promise<void> {
  const { client, release } = await checkout(pool);
  let broken = false;
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const applied = Number((await client.query("SELECT MAX(version) AS version FROM schema_migrations")).rows[0]?.version ?? 0);
      const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
      if (applied > newest) {
        throw new KeyholdError(
          "Unavailable",
          `The store's schema version ${applied} is newer than this keyhold knows (${newest}); upgrade keyhold.`,
        );
      }
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (migration.version <= applied) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => (broken = true));
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => (broken = true));
    }
  } finally {
    release(broken);
  }
}
