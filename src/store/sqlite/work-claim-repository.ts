import type { WorkClaimRepository } from "../store.js";
import { DB_NOW_MS } from "./clock.js";
import type { SqliteRunner } from "./runner.js";

export function sqliteWorkClaimRepository(runner: SqliteRunner): WorkClaimRepository {
  return {
    claim: (work, holder, leaseMs) =>
      runner.write(
        (db) =>
          // One statement: of two nodes claiming together, one inserts or takes over and the other changes nothing.
          db
            .prepare(
              `INSERT INTO work_claims (work, holder, expires_at) VALUES (@work, @holder, ${DB_NOW_MS} + @lease)
               ON CONFLICT (work) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE work_claims.holder = excluded.holder OR work_claims.expires_at <= ${DB_NOW_MS}`,
            )
            .run({ work, holder, lease: leaseMs }).changes > 0,
      ),
    release: (work, holder) =>
      runner.write((db) => {
        db.prepare("DELETE FROM work_claims WHERE work = ? AND holder = ?").run(work, holder);
      }),
  };
}
