/** The diagnostic_cursors rows as both stores read them, and the statements both run (the SQL is the same). */
import type { DiagnosticCursorKey, DiagnosticCursorRecord } from "../diagnostic-cursor-records.js";

export interface DiagnosticCursorRow {
  node_id: string;
  journal: string;
  storage_account: string;
  resource_id: string;
  since: number;
  seq: number;
  end_offset: number;
  record_hash: string;
}

export const cursorFromRow = (row: DiagnosticCursorRow): DiagnosticCursorRecord => ({
  nodeId: row.node_id,
  journal: row.journal,
  storageAccount: row.storage_account,
  resourceId: row.resource_id,
  since: Number(row.since),
  position: { seq: Number(row.seq), offset: Number(row.end_offset), hash: row.record_hash },
});

export const LIST_CURSORS = "SELECT * FROM diagnostic_cursors WHERE node_id = ? ORDER BY journal, storage_account, resource_id";

const KEY_MATCHES = "node_id = @node_id AND journal = @journal AND storage_account = @storage_account AND resource_id = @resource_id";

export const INSERT_CURSOR = `INSERT INTO diagnostic_cursors
  (node_id, journal, storage_account, resource_id, since, seq, end_offset, record_hash, updated_at)
  VALUES (@node_id, @journal, @storage_account, @resource_id, @since, @seq, @offset, @hash, @now)
  ON CONFLICT (node_id, journal, storage_account, resource_id) DO NOTHING`;

/** Moves only a cursor still where the mover last saw it, so of two forwarders at most one moves it. */
export const MOVE_CURSOR = `UPDATE diagnostic_cursors
  SET since = @since, seq = @seq, end_offset = @offset, record_hash = @hash, updated_at = @now
  WHERE ${KEY_MATCHES} AND since = @expected_since AND end_offset = @expected_offset AND record_hash = @expected_hash`;

export const DELETE_CURSOR = `DELETE FROM diagnostic_cursors WHERE ${KEY_MATCHES}`;

export function keyParameters(key: DiagnosticCursorKey): Record<string, string> {
  return { node_id: key.nodeId, journal: key.journal, storage_account: key.storageAccount, resource_id: key.resourceId };
}

/** The parameters of INSERT_CURSOR (expected undefined) or MOVE_CURSOR; placeholders are snake_case (src/store/postgres/statements.ts). */
export function moveParameters(
  next: DiagnosticCursorRecord,
  expected: DiagnosticCursorRecord | undefined,
  now: number,
): Record<string, string | number> {
  const target = { ...keyParameters(next), since: next.since, ...next.position, now };
  if (expected === undefined) return target;
  return { ...target, expected_since: expected.since, expected_offset: expected.position.offset, expected_hash: expected.position.hash };
}
