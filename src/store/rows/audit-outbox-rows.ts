/** The rows of the audit outbox tables as both stores read and write them, and their records. */

export interface OutboxRow {
  id: number;
  journal: string;
  node_id: string;
  event: string;
  created_at: number;
}
