import type { DiagnosticCursorRepository } from "../diagnostic-cursor-records.js";
import * as cursors from "../rows/diagnostic-cursor-rows.js";
import type { PgRunner } from "./runner.js";

export function postgresDiagnosticCursorRepository(runner: PgRunner): DiagnosticCursorRepository {
  return {
    list: (nodeId) =>
      runner.read(async (db) =>
        ((await db.prepare(cursors.LIST_CURSORS).all(nodeId)) as cursors.DiagnosticCursorRow[]).map(cursors.cursorFromRow),
      ),
    // The UPDATE locks the row: a second mover waits for the first to commit, then finds the cursor moved and changes nothing.
    move: (next, expected, now) =>
      runner.write(
        async (db) =>
          (
            await db
              .prepare(expected === undefined ? cursors.INSERT_CURSOR : cursors.MOVE_CURSOR)
              .run(cursors.moveParameters(next, expected, now))
          ).changes > 0,
      ),
    remove: (key) => runner.write(async (db) => (await db.prepare(cursors.DELETE_CURSOR).run(cursors.keyParameters(key))).changes > 0),
  };
}
