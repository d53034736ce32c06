import type { AuditOutboxRepository, OutboxRecord } from "../change-records.js";
import type { PgRunner } from "./runner.js";
import { type OutboxRow } from "../rows/audit-outbox-rows.js";

export function postgresAuditOutboxRepository(runner: PgRunner): AuditOutboxRepository {
  return {
    list: (journal, nodeId) =>
      runner.read(async (db) =>
        (
          (await db.prepare("SELECT * FROM audit_outbox WHERE journal = ? AND node_id = ? ORDER BY id").all(journal, nodeId)) as OutboxRow[]
        ).map(
          (row): OutboxRecord => ({ id: row.id, journal: row.journal, nodeId: row.node_id, event: row.event, createdAt: row.created_at }),
        ),
      ),
    journals: (nodeId) =>
      runner.read(async (db) =>
        (
          (await db.prepare("SELECT DISTINCT journal FROM audit_outbox WHERE node_id = ? ORDER BY journal").all(nodeId)) as {
            journal: string;
          }[]
        ).map((row) => row.journal),
      ),
    rewrite: (id, event) =>
      runner.write(async (db) => {
        await db.prepare("UPDATE audit_outbox SET event = ? WHERE id = ?").run(event, id);
      }),
    remove: (ids) =>
      runner.write(async (db) => {
        const remove = db.prepare("DELETE FROM audit_outbox WHERE id = ?");
        for (const id of ids) await remove.run(id);
      }),
  };
}
