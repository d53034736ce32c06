/** The store's half of the audit outbox (src/store/change-records.ts): writing a call's record at its commit. */
import type { Statements } from "./statement-cache.js";
import { changeContext } from "../change-records.js";

/** How many rows this connection has changed so far; a commit that moved it changed something. */
export function totalChanges(db: Statements): number {
  return (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
}

/**
 * Inside a transaction about to commit: when it changed rows (`changesBefore` is `totalChanges` at its start) on
 * behalf of a call, writes or rewrites that call's audit record in the outbox, so both commit together.
 */
export function recordPendingChange(db: Statements, changesBefore: number, now: number): void {
  const change = changeContext.getStore();
  if (change === undefined || !change.open || totalChanges(db) === changesBefore) return;
  if (change.id === undefined) {
    const { lastInsertRowid } = db
      .prepare("INSERT INTO audit_outbox (journal, node_id, event, created_at) VALUES (?, ?, ?, ?)")
      .run(change.journal, change.nodeId, change.event(), now);
    change.attached(Number(lastInsertRowid));
  } else {
    db.prepare("UPDATE audit_outbox SET event = ? WHERE id = ?").run(change.event(), change.id);
  }
}
