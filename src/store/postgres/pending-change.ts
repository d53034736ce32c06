/** The store's half of the audit outbox (src/store/change-records.ts): writing a call's record at its commit. */
import { changeContext } from "../change-records.js";
import type { PgSession } from "./statements.js";

/**
 * Inside a transaction about to commit: when it changed rows (the session counts them) on behalf of a call, writes
 * or rewrites that call's audit record in the outbox, so both commit together.
 */
export async function recordPendingChange(session: PgSession, now: number): Promise<void> {
  const change = changeContext.getStore();
  if (change === undefined || !change.open || session.changes === 0) return;
  if (change.id === undefined) {
    const row = (await session
      .prepare("INSERT INTO audit_outbox (journal, node_id, event, created_at) VALUES (?, ?, ?, ?) RETURNING id")
      .get(change.journal, change.nodeId, change.event(), now)) as { id: number };
    change.attached(Number(row.id));
  } else {
    await session.prepare("UPDATE audit_outbox SET event = ? WHERE id = ?").run(change.event(), change.id);
  }
}
