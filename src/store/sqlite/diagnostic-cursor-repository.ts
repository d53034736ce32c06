import type { DiagnosticCursorRepository } from "../diagnostic-cursor-records.js";
import * as cursors from "../rows/diagnostic-cursor-rows.js";
import type { SqliteRunner } from "./runner.js";

export function sqliteDiagnosticCursorRepository(runner: SqliteRunner): DiagnosticCursorRepository {
  return {
    list: (nodeId) =>
      runner.read((db) => (db.prepare(cursors.LIST_CURSORS).all(nodeId) as cursors.DiagnosticCursorRow[]).map(cursors.cursorFromRow)),
    move: (next, expected, now) =>
      runner.write(
        (db) =>
          db.prepare(expected === undefined ? cursors.INSERT_CURSOR : cursors.MOVE_CURSOR).run(cursors.moveParameters(next, expected, now))
            .changes > 0,
      ),
    remove: (key) => runner.write((db) => db.prepare(cursors.DELETE_CURSOR).run(cursors.keyParameters(key)).changes > 0),
  };
}
