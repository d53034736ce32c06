import type { DiagnosticCursorRepository } from "../diagnostic-cursor-records.js";
import {
  cursorFromRow,
  DELETE_CURSOR,
  type DiagnosticCursorRow,
  INSERT_CURSOR,
  keyParameters,
  LIST_CURSORS,
  MOVE_CURSOR,
  moveParameters,
} from "../rows/diagnostic-cursor-rows.js";
import type { SqliteRunner } from "./runner.js";

export function sqliteDiagnosticCursorRepository(runner: SqliteRunner): DiagnosticCursorRepository {
  return {
    list: (nodeId) => runner.read((db) => (db.prepare(LIST_CURSORS).all(nodeId) as DiagnosticCursorRow[]).map(cursorFromRow)),
    move: (next, expected, now) =>
      runner.write(
        (db) => db.prepare(expected === undefined ? INSERT_CURSOR : MOVE_CURSOR).run(moveParameters(next, expected, now)).changes > 0,
      ),
    remove: (key) => runner.write((db) => db.prepare(DELETE_CURSOR).run(keyParameters(key)).changes > 0),
  };
}
