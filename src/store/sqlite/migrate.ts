import type { Database } from "better-sqlite3";
import { KeyholdError } from "../../errors.js";
import type { Migration } from "./migrations.js";

/** Applies, in order and each in its own transaction, every migration the database has not seen. */
export function applyMigrations(db: Database, migrations: readonly Migration[]): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const appliedRow = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as { version: number | null } | undefined;
  const applied = appliedRow?.version ?? 0;
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (applied > newest) {
    throw new KeyholdError(
      "Unavailable",
      `The store's schema version ${applied} is newer than this keyhold knows (${newest}); upgrade keyhold.`,
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= applied) continue;
    db.transaction(() => {
      // Checked again under the write lock: another process on the same file (a node of `serve --processes N`)
      // may have applied it since the read above.
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}
