/**
 * How a batch of log lines reaches its blob and the destination's cursor moves past it (SPEC section 14: work done
 * once). The cursor moves only after the append succeeded, and only from where the forwarder last saw it.
 *
 * - Blobs in the store (StoreBlobStore, PostgreSQL): the append and the cursor's move commit in one transaction, so
 *   a batch is in the blob exactly when the cursor is past it, whatever crashes when: exactly once.
 * - Blobs as files of the data dir (BlobStore, SQLite): the append is synced first, then the cursor moves. A crash
 *   between the two (or a forwarder that lost its claim in between) leaves that one batch to be appended again by
 *   whoever resumes from the cursor: at most one batch of one blob repeated, never a line lost.
 */
import type { DiagnosticCursorRecord, DiagnosticCursorRepository } from "../../store/diagnostic-cursor-records.js";
import type { Store } from "../../store/index.js";
import type { BlobStorage } from "../storage/blob-store.js";
import { StoreBlobStore } from "../storage/store-blob-store.js";
import { AUDIT_EVENT_CONTAINER } from "./azure-log-line.js";

/** Lines for one blob of the audit-event container. */
interface LogBatch {
  readonly storageAccount: string;
  readonly blob: string;
  /** Whole lines, each ending with "\n". */
  readonly data: Uint8Array;
}

export interface LogDelivery {
  /**
   * Appends the batch and moves the cursor from `from` to `to`. Rejects when the append failed (the cursor has not
   * moved). Resolves false when the cursor was no longer at `from`: another forwarder moved it (with blobs in the
   * store nothing was appended then).
   */
  deliver(batch: LogBatch, from: DiagnosticCursorRecord, to: DiagnosticCursorRecord, now: number): Promise<boolean>;
}

/** Blobs in the store: one transaction for the append and the cursor. */
export function storeDelivery(store: Pick<Store, "transaction">): LogDelivery {
  return {
    deliver: (batch, from, to, now) =>
      store.transaction(async (tx) => {
        // First, so that a second forwarder waits on the cursor's row and then finds it moved.
        if (!(await tx.diagnosticCursors.move(to, from, now))) return false;
        await appendLines(new StoreBlobStore(tx.blobs), batch);
        return true;
      }),
  };
}

/** Blobs as files: the append is synced, then the cursor moves. */
export function fileDelivery(blobs: BlobStorage, cursors: DiagnosticCursorRepository): LogDelivery {
  return {
    async deliver(batch, from, to, now) {
      await appendLines(blobs, batch, { sync: true });
      return cursors.move(to, from, now);
    },
  };
}

async function appendLines(blobs: BlobStorage, batch: LogBatch, options: { sync?: boolean } = {}): Promise<void> {
  await blobs.createContainer(batch.storageAccount, AUDIT_EVENT_CONTAINER);
  await blobs.appendBlob(batch.storageAccount, AUDIT_EVENT_CONTAINER, batch.blob, batch.data, options);
}
