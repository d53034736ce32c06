/**
 * One append-only, hash-chained audit journal (one per HSM per node).
 *
 * Durability with group commit: `append` resolves only after its line has been
 * written and is on stable storage (O_DSYNC, or write + fdatasync). While one write + sync is in flight, new appends
 * queue up and all of them go out in the next single write + sync, so N
 * concurrent callers share far fewer than N syncs.
 *
 * Fail closed: when a write or sync fails, every append of that batch rejects
 * with `Unavailable`, the file is cut back to the last durable length, and the
 * journal refuses every later append until it is reopened. Retrying on the
 * same descriptor is not safe: after a failed fsync Linux may have dropped
 * the dirty pages and a second fsync can report success for data that never
 * reached the disk (the 2018 "fsyncgate" finding that made PostgreSQL panic
 * instead of retrying). Reopening reads the tail from disk and continues the
 * chain from what is really there.
 */
import type { KeyObject } from "node:crypto";
import { badParameter, KeyholdError } from "../errors.js";
import { checkpointPublicKeyOf, makeCheckpoint } from "./checkpoint.js";
import { buildAuditEvent } from "./event.js";
import type { AuditEventInput } from "./event.js";
import { openNodeJournalFile } from "./journal-file.js";
import type { JournalFile, JournalFileOpener } from "./journal-file.js";
import { readJournalTail } from "./journal-tail.js";
import { DEFAULT_INLINE_WRITES, InlineWritePolicy, type InlineWriteSettings } from "./inline-writes.js";
import { encodeRecordLine, eventRecordLine, GENESIS_HASH, isCheckpoint, parseRecordLine } from "./record.js";
import { readLinesBackwards } from "./journal-tail.js";
import type { AuditRecord, CheckpointPublicKey, JournalRecord } from "./record.js";

export const JOURNAL_UNAVAILABLE_MESSAGE = "The audit journal cannot be written; the call was refused.";

export interface AuditJournalOptions {
  /** The journal file, e.g. `auditJournalPath(dataDir, hsm, nodeId)`. */
  readonly path: string;
  /** The node's P-256 private key; checkpoints are signed with it (ES256). */
  readonly signingKey: KeyObject;
  /** Write a checkpoint after this many event records (default 1000). */
  readonly checkpointEveryRecords?: number;
  /** Write a checkpoint this often when records arrived since the last one (default 60 s; 0 turns the timer off). */
  readonly checkpointIntervalMs?: number;
  /** Upper bound of events in one write + sync (default 4096). */
  readonly maxBatchRecords?: number;
  /** When a group may be written on the event loop's thread (default: while such writes take under 1 ms). */
  readonly inlineWrites?: InlineWriteSettings;
  /** File access; tests inject failures and count syncs here. */
  readonly openFile?: JournalFileOpener;
  /**
   * Reopening a journal that failed: where its last acknowledged line ended and that line's hash. The file must
   * still hold exactly that line there (a changed or shortened file is refused); bytes after it were never
   * acknowledged (a write whose sync failed) and are cut off.
   */
  readonly continueFrom?: DurableTail;
  /** Called once when a write or sync fails and the journal starts refusing appends. */
  readonly onFailure?: (cause: unknown) => void;
  readonly now?: () => Date;
}

/** Where the acknowledged part of a journal ends, and the hash of its last line (GENESIS_HASH when empty). */
export interface DurableTail {
  readonly length: number;
  readonly hash: string;
}

export interface AuditJournalStats {
  readonly records: number;
  readonly checkpoints: number;
  /** Batches written; each is one durable write (O_DSYNC), or one write and one fdatasync. */
  readonly syncs: number;
}

/** Receives each durable batch (events and checkpoints, in order). Runs after the appends resolved. */
export type DurableListener = (records: readonly JournalRecord[]) => void;

interface PendingAppend {
  readonly event: AuditRecord["event"];
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

export class AuditJournal {
  private readonly pending: PendingAppend[] = [];
  private readonly listeners = new Set<DurableListener>();
  private readonly stats = { records: 0, checkpoints: 0, syncs: 0 };
  private durableLength: number;
  private lastSeq: number;
  private lastHash: string;
  private eventsSinceCheckpoint: number;
  private checkpointDue = false;
  private checkpointForced = false;
  private flushLoop: Promise<void> | undefined;
  private failure: unknown;
  private closing = false;
  private readonly timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly path: string,
    private readonly file: JournalFile,
    private readonly signingKey: KeyObject,
    private readonly publicKey: CheckpointPublicKey,
    private readonly checkpointEveryRecords: number,
    private readonly maxBatchRecords: number,
    private readonly now: () => Date,
    private readonly onFailure: ((cause: unknown) => void) | undefined,
    private readonly inlineWrites: InlineWritePolicy,
    checkpointIntervalMs: number,
    durableLength: number,
    last: JournalRecord | undefined,
  ) {
    this.durableLength = durableLength;
    this.lastSeq = last?.seq ?? 0;
    this.lastHash = last?.hash ?? GENESIS_HASH;
    // After a reopen the count since the last checkpoint is unknown; one is enough to want a checkpoint.
    this.eventsSinceCheckpoint = last === undefined || isCheckpoint(last) ? 0 : 1;
    if (checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.requestCheckpoint(), checkpointIntervalMs);
      this.timer.unref();
    }
  }

  /** Opens or creates the journal; an existing one continues its chain from its last record. */
  static async open(options: AuditJournalOptions): Promise<AuditJournal> {
    const publicKey = checkpointPublicKeyOf(options.signingKey, "signingKey");
    if (options.signingKey.type !== "private") throw badParameter("signingKey", "must be a private key");
    const checkpointEveryRecords = positiveInteger(options.checkpointEveryRecords ?? 1000, "checkpointEveryRecords");
    const maxBatchRecords = positiveInteger(options.maxBatchRecords ?? 4096, "maxBatchRecords");
    const checkpointIntervalMs = options.checkpointIntervalMs ?? 60_000;
    if (!Number.isFinite(checkpointIntervalMs) || checkpointIntervalMs < 0) {
      throw badParameter("checkpointIntervalMs", "must be zero (off) or a positive number of milliseconds");
    }
    const openFile = options.openFile ?? openNodeJournalFile;
    let file: JournalFile;
    try {
      file = await openFile(options.path);
    } catch (cause) {
      throw new KeyholdError("Unavailable", JOURNAL_UNAVAILABLE_MESSAGE, { cause });
    }
    try {
      const tail = await readJournalTail(file, options.path, options.continueFrom?.length);
      if (
        options.continueFrom !== undefined &&
        (tail.completeLength !== options.continueFrom.length || (tail.last?.hash ?? GENESIS_HASH) !== options.continueFrom.hash)
      ) {
        throw new KeyholdError(
          "Unavailable",
          `The audit journal ${options.path} no longer ends with the records this node acknowledged; run \`keyhold audit verify\` before appending to it.`,
        );
      }
      if ((await file.size()) > tail.completeLength) {
        await file.truncate(tail.completeLength);
        await file.datasync();
      }
      return new AuditJournal(
        options.path,
        file,
        options.signingKey,
        publicKey,
        checkpointEveryRecords,
        maxBatchRecords,
        options.now ?? (() => new Date()),
        options.onFailure,
        new InlineWritePolicy(options.inlineWrites ?? DEFAULT_INLINE_WRITES),
        checkpointIntervalMs,
        tail.completeLength,
        tail.last,
      );
    } catch (cause) {
      await file.close().catch(() => undefined);
      if (cause instanceof KeyholdError) throw cause;
      throw new KeyholdError("Unavailable", JOURNAL_UNAVAILABLE_MESSAGE, { cause });
    }
  }

  /**
   * Validates the event (BadParameter for unknown fields or non-string values),
   * appends it, and resolves once it is durable. Rejects with Unavailable when
   * the journal cannot be written.
   */
  append(input: AuditEventInput): Promise<AuditRecord> {
    if (this.closing || this.failure !== undefined) return Promise.reject(unavailable(this.failure));
    let event: AuditRecord["event"];
    try {
      event = buildAuditEvent(input);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AuditRecord>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.startFlushing();
    });
  }

  /** Follows durable records without slowing appends; returns the unsubscribe function. */
  onDurable(listener: DurableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getStats(): AuditJournalStats {
    return { ...this.stats };
  }

  /** True once a write failed; only a reopen clears it. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Where the acknowledged lines end; a reopen after a failure continues from here (`continueFrom`). */
  durableTail(): DurableTail {
    return { length: this.durableLength, hash: this.lastHash };
  }

  /**
   * Which of `changeIds` (an event's `properties.changeId`) the acknowledged lines hold. Reads backwards from the
   * end and stops at the first line that ended before `notBefore` (ms since the epoch): lines are appended in the
   * order their calls ended, so a change committed at `notBefore` or later cannot have its line before that.
   */
  async findChangeIds(changeIds: ReadonlySet<string>, notBefore: number): Promise<Set<string>> {
    const found = new Set<string>();
    if (changeIds.size === 0) return found;
    for await (const line of readLinesBackwards(this.file, this.durableLength)) {
      const record = parseRecordLine(line);
      if (record === undefined) continue;
      const ended = isCheckpoint(record) ? Date.parse(record.checkpoint.time) : Date.parse(record.event.time) + record.event.durationMs;
      if (!isCheckpoint(record)) {
        const changeId = record.event.properties.changeId;
        if (changeId !== undefined && changeIds.has(changeId)) found.add(changeId);
        if (found.size === changeIds.size) break;
      }
      if (ended < notBefore) break;
    }
    return found;
  }

  /** Flushes queued appends, writes a final checkpoint and closes the file. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.requestCheckpoint();
    await this.flushLoop;
    await this.file.close().catch(() => undefined);
  }

  /**
   * Writes a checkpoint now, even with no event since the last one, and resolves once it is durable: proof that the
   * journal can be written again after a failure, and a signed mark in the chain of where it resumed.
   */
  async checkpointNow(): Promise<void> {
    if (this.closing || this.failure !== undefined) throw unavailable(this.failure);
    this.checkpointDue = true;
    this.checkpointForced = true;
    this.startFlushing();
    while (this.flushLoop !== undefined) await this.flushLoop;
    if (this.failure !== undefined) throw unavailable(this.failure);
  }

  private requestCheckpoint(): void {
    if (this.eventsSinceCheckpoint === 0 && this.pending.length === 0) return;
    this.checkpointDue = true;
    this.startFlushing();
  }

  private startFlushing(): void {
    if (this.flushLoop !== undefined || this.failure !== undefined) return;
    this.flushLoop = this.flush();
  }

  private async flush(): Promise<void> {
    // Let the appends of the current tick join the first batch.
    await Promise.resolve();
    try {
      while (this.failure === undefined && (this.pending.length > 0 || this.checkpointDue)) {
        await this.writeBatch(this.pending.splice(0, this.maxBatchRecords));
      }
    } finally {
      // Cleared in the same microtask as the loop's last check, so no append can slip in unseen.
      this.flushLoop = undefined;
    }
  }

  private async writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    const records: JournalRecord[] = [];
    const events: AuditRecord[] = [];
    const lines: string[] = [];
    let seq = this.lastSeq;
    let prevHash = this.lastHash;
    let sinceCheckpoint = this.eventsSinceCheckpoint;
    const addCheckpoint = (): void => {
      seq += 1;
      const checkpoint = makeCheckpoint(seq, prevHash, this.signingKey, this.publicKey, this.now());
      records.push(checkpoint);
      lines.push(encodeRecordLine(checkpoint));
      prevHash = checkpoint.hash;
      sinceCheckpoint = 0;
    };
    for (const { event } of batch) {
      seq += 1;
      const { record, line } = eventRecordLine(seq, prevHash, event);
      records.push(record);
      lines.push(line);
      events.push(record);
      prevHash = record.hash;
      sinceCheckpoint += 1;
      if (sinceCheckpoint >= this.checkpointEveryRecords) addCheckpoint();
    }
    if (this.checkpointDue || this.closing) {
      this.checkpointDue = false;
      if (sinceCheckpoint > 0 || this.checkpointForced) addCheckpoint();
      this.checkpointForced = false;
    }
    if (records.length === 0) return;

    const bytes = Buffer.from(lines.join(""), "utf8");
    try {
      // One durable write per batch (O_DSYNC, journal-file.ts), or a write and an fdatasync; inline while the disk is
      // fast (inline-writes.ts).
      const { writeDurablyNow } = this.file;
      if (writeDurablyNow !== undefined && this.inlineWrites.inline) {
        this.inlineWrites.timed(() => writeDurablyNow.call(this.file, bytes, this.durableLength));
      } else if (this.file.writeDurably !== undefined) await this.file.writeDurably(bytes, this.durableLength);
      else {
        await this.file.write(bytes, this.durableLength);
        await this.file.datasync();
      }
    } catch (cause) {
      await this.failClosed(cause, batch);
      return;
    }
    this.durableLength += bytes.length;
    this.lastSeq = seq;
    this.lastHash = prevHash;
    this.eventsSinceCheckpoint = sinceCheckpoint;
    this.stats.syncs += 1;
    this.stats.records += events.length;
    this.stats.checkpoints += records.length - events.length;
    batch.forEach((pending, index) => pending.resolve(events[index] as AuditRecord));
    if (this.listeners.size > 0) setImmediate(() => this.notify(records));
  }

  private async failClosed(cause: unknown, batch: readonly PendingAppend[]): Promise<void> {
    this.failure = cause ?? new Error("journal write failed");
    try {
      this.onFailure?.(this.failure);
    } catch {
      // The journal fails closed whatever its owner does with the news.
    }
    // Leave only acknowledged lines on disk, so the file still verifies and a reopen continues from them.
    try {
      await this.file.truncate(this.durableLength);
      await this.file.datasync();
    } catch {
      // The reopen reads the tail from disk and cuts any torn line there.
    }
    for (const pending of [...batch, ...this.pending.splice(0)]) pending.reject(unavailable(cause));
  }

  private notify(records: readonly JournalRecord[]): void {
    for (const listener of this.listeners) {
      try {
        listener(records);
      } catch {
        // A slow or broken follower must never affect the journal or its callers.
      }
    }
  }
}

function unavailable(cause: unknown): KeyholdError {
  return new KeyholdError("Unavailable", JOURNAL_UNAVAILABLE_MESSAGE, cause === undefined ? {} : { cause });
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw badParameter(field, "must be a positive integer");
  return value;
}
