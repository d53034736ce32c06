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
import type { PgRunner } from "./runner.js";

export function postgresDiagnosticCursorRepository(runner: PgRunner): DiagnosticCursorRepository {
  return {
    list: (nodeId) => runner.read(async (db) => ((await db.prepare(LIST_CURSORS).all(nodeId)) as DiagnosticCursorRow[]).map(cursorFromRow)),
    // The UPDATE locks the row: a second mover waits for the first to commit, then finds the cursor moved and changes nothing.
    move: (next, expected, now) =>
      runner.write(
        async (db) =>
          (await db.prepare(expected === undefined ? INSERT_CURSOR : MOVE_CURSOR).run(moveParameters(next, expected, now))).changes > 0,
      ),
    remove: (key) => runner.write(async (db) => (await db.prepare(DELETE_CURSOR).run(keyParameters(key))).changes > 0),
  };
}
