/**
 * No change without its audit record (SPEC section 9): a transactional outbox.
 *
 * While a call runs, the pipeline puts the call's `PendingChange` in
 * `changeContext`. Whenever the store commits a transaction that changed a
 * row inside that context while the call's handler runs, it writes the call's audit record (as it would read
 * if the call ended now) into the `audit_outbox` table in the same
 * transaction, so the change and its record become durable together or not at
 * all. A call that commits more than once keeps one outbox row, rewritten at
 * each commit. The journal receives the record when the call ends, and the
 * outbox row is deleted once the journal line is durable; after a crash or a
 * journal failure the journal drains what the outbox still holds.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface PendingChange {
  /** True while the call's handler runs: writes before it (authentication) or after it (its background work) are not this call's change. */
  readonly open: boolean;
  /**
   * True from the call's start until its result is settled: the store's generation read for the call is kept for the
   * rest of it (src/store/generation-reads.ts).
   */
  readonly inFlight?: boolean;
  /** The row id, once a commit wrote the record. */
  readonly id: number | undefined;
  /** The journal (HSM name, or the management journal) and node whose chain receives the record. */
  readonly journal: string;
  readonly nodeId: string;
  /** The call's audit record as it would read if the call ended now, as JSON (without its `changeId`). */
  event(): string;
  /** Called inside the committing transaction once the row exists. */
  attached(id: number): void;
}

export const changeContext = new AsyncLocalStorage<PendingChange>();

/** One outbox row: a committed change's audit record that its journal may not hold yet. */
export interface OutboxRecord {
  readonly id: number;
  readonly journal: string;
  readonly nodeId: string;
  /** The AuditEventInput as JSON; its journal line carries `id` as `properties.changeId`. */
  readonly event: string;
  readonly createdAt: number;
}

export interface AuditOutboxRepository {
  /** Oldest first. */
  list(journal: string, nodeId: string): Promise<OutboxRecord[]>;
  /** The journals of `nodeId` that have rows waiting. */
  journals(nodeId: string): Promise<string[]>;
  /** Rewrites the record of a change (a call that failed after it committed). */
  rewrite(id: number, event: string): Promise<void>;
  remove(ids: readonly number[]): Promise<void>;
}
