import type { Database } from "better-sqlite3";
import { changeContext, type AuditOutboxRepository, type OutboxRecord } from "../change-records.js";
import type { SqliteRunner } from "./runner.js";

interface OutboxRow {
  id: number;
  journal: string;
  node_id: string;
  event: string;
  created_at: number;
}

export function sqliteAuditOutboxRepository(runner: SqliteRunner): AuditOutboxRepository {
  return {
    list: (journal, nodeId) =>
      runner.read((db) =>
        (db.prepare("SELECT * FROM audit_outbox WHERE journal = ? AND node_id = ? ORDER BY id").all(journal, nodeId) as OutboxRow[]).map(
          (row): OutboxRecord => ({ id: row.id, journal: row.journal, nodeId: row.node_id, event: row.event, createdAt: row.created_at }),
        ),
      ),
    journals: (nodeId) =>
      runner.read((db) => (db.prepare("SELECT DISTINCT journal FROM audit_outbox WHERE node_id = ? ORDER BY journal").all(nodeId) as { journal: string }[]).map((row) => row.journal)),
    rewrite: (id, event) =>
      runner.write((db) => {
        db.prepare("UPDATE audit_outbox SET event = ? WHERE id = ?").run(event, id);
      }),
    remove: (ids) =>
      runner.write((db) => {
        const remove = db.prepare("DELETE FROM audit_outbox WHERE id = ?");
        for (const id of ids) remove.run(id);
      }),
  };
}

/** How many rows this connection has changed so far; a commit that moved it changed something. */
export function totalChanges(db: Database): number {
  return (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
}

/**
 * Inside a transaction about to commit: when it changed rows (`changesBefore` is `totalChanges` at its start) on
 * behalf of a call, writes or rewrites that call's audit record in the outbox, so both commit together.
 */
export function recordPendingChange(db: Database, changesBefore: number, now: number): void {
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
