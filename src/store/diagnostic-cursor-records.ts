/**
 * How far each node has forwarded each HSM journal to each diagnostic-setting destination (SPEC sections 7 and 14):
 * the last record delivered, so that forwarding resumes there after a restart or a kill, and moves only forward.
 */

/** A place in one journal file: just after the line of record `seq` (0, offset 0 and the genesis hash: before any). */
interface JournalPosition {
  readonly seq: number;
  /** Byte offset just after that record's newline. */
  readonly offset: number;
  /** That record's hash; the next record's `prevHash` must equal it. */
  readonly hash: string;
}

/** One destination of one node's journal: the storage account, and the (upper-cased) resource id its lines are filed under. */
export interface DiagnosticCursorKey {
  readonly nodeId: string;
  /** The journal's HSM name. */
  readonly journal: string;
  readonly storageAccount: string;
  readonly resourceId: string;
}

export interface DiagnosticCursorRecord extends DiagnosticCursorKey {
  /** Events whose time is before this (unix ms) are not forwarded: the destination's settings were enabled then. */
  readonly since: number;
  readonly position: JournalPosition;
}

export interface DiagnosticCursorRepository {
  /** The cursors of one node's journals. */
  list(nodeId: string): Promise<DiagnosticCursorRecord[]>;
  /**
   * Moves a cursor from `expected` (inserts it when `expected` is undefined) to `next`, which has the same key. False,
   * changing nothing, when the stored cursor is not at `expected` (its `since` and position): another forwarder moved it.
   */
  move(next: DiagnosticCursorRecord, expected: DiagnosticCursorRecord | undefined, now: number): Promise<boolean>;
  /** Forgets the cursor of a destination no setting names any more; false when there was none. */
  remove(key: DiagnosticCursorKey): Promise<boolean>;
}
