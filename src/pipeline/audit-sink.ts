/**
 * Where the pipeline's audit records go: one hash-chained journal per HSM on
 * this node, plus one for calls that address no HSM (directory
 * administration, calls naming an unknown HSM). Journals open lazily.
 *
 * A journal that fails (disk full, an immutable file, an I/O error) heals by
 * itself: the next call reopens it, checks that the file still ends with the
 * last line this node acknowledged, and first appends the records of changes
 * that committed meanwhile (the audit outbox, src/store/change-records.ts).
 * While a journal cannot be written the node reports NOT_SERVING, and a timer
 * keeps trying so health recovers without traffic.
 */
import type { KeyObject } from "node:crypto";
import { AuditJournal, type AuditEventInput, type AuditJournalOptions } from "../audit/index.js";
import type { DurableListener, DurableTail } from "../audit/journal.js";
import { auditJournalPath, RESERVED_HSM_NAME } from "../audit/paths.js";
import { changeContext, type AuditOutboxRepository, type OutboxRecord } from "../store/index.js";

/** The journal of calls that address no HSM; an HSM may not take this name. */
export const MANAGEMENT_JOURNAL = RESERVED_HSM_NAME;

/** A clock step back that the outbox drain still tolerates when it looks for lines a crash left behind. */
const CLOCK_SLACK_MS = 5 * 60_000;

/** The node's serving state, as the sink marks it (src/server's ServingState implements it). */
interface ServingReasons {
  set(key: string, description: string): void;
  clear(key: string): void;
  reasons(): ReadonlyMap<string, string>;
}

export interface AuditSinkOptions {
  readonly dataDir: string;
  readonly nodeId: string;
  readonly signingKey: KeyObject;
  readonly journal?: Partial<Omit<AuditJournalOptions, "path" | "signingKey" | "continueFrom" | "onFailure">>;
  /** The store's audit outbox; without it (tests of the journal alone) no change records are drained. */
  readonly outbox?: AuditOutboxRepository;
  /** Marked not serving while a journal cannot be written. */
  readonly serving?: ServingReasons;
  /** How often a failed journal is retried without calls (default 1 s). */
  readonly retryIntervalMs?: number;
  readonly logger?: { error(details: Record<string, unknown>, message: string): void };
}

interface JournalSlot {
  /** The open journal, or the attempt to open it; absent after a failure until the next use reopens it. */
  current: Promise<AuditJournal> | undefined;
  /** Where the journal that failed last ended, for the reopen to check. */
  failedTail: DurableTail | undefined;
  readonly listeners: Set<DurableListener>;
}

export class AuditSink {
  readonly #options: AuditSinkOptions;
  readonly #slots = new Map<string, JournalSlot>();
  /** Change ids whose calls have committed but not yet handed their record to a journal: the drain leaves them. */
  readonly #inFlight = new Set<string>();
  readonly #journaled: number[] = [];
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: AuditSinkOptions) {
    this.#options = options;
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  journal(hsmName: string = MANAGEMENT_JOURNAL): Promise<AuditJournal> {
    const slot = this.#slot(hsmName);
    if (slot.current === undefined) {
      const opening = this.#open(hsmName, slot);
      slot.current = opening;
      // A journal that failed to open is retried on the next call rather than cached as broken.
      opening.catch((error: unknown) => {
        if (slot.current === opening) slot.current = undefined;
        this.#markFailed(hsmName, error);
      });
    }
    return slot.current;
  }

  /** Resolves when the record is durable; rejects with Unavailable when it cannot be written. */
  async record(hsmName: string | undefined, event: AuditEventInput): Promise<void> {
    await (await this.journal(hsmName)).append(event);
  }

  /** A call committed a change whose record is in the outbox as `changeId`; the drain must leave it to the call. */
  holdChange(changeId: number): void {
    this.#inFlight.add(String(changeId));
  }

  /**
   * Appends the record of a committed change (its outbox row `changeId` already holds it durably). Never rejects:
   * when the journal cannot take it now, the row stays in the outbox and the journal's next opening drains it.
   */
  async recordChange(hsmName: string | undefined, event: AuditEventInput, changeId: number): Promise<void> {
    const id = String(changeId);
    const line = withChangeId(event, id);
    // The row was written as the call stood at its commit; a call that failed afterwards says so there too.
    if (event.resultType === "Failure" && this.#options.outbox !== undefined) {
      const outbox = this.#options.outbox;
      await changeContext.exit(() => outbox.rewrite(changeId, JSON.stringify(event))).catch(() => undefined);
    }
    try {
      await (await this.journal(hsmName)).append(line);
      this.#forgetRow(changeId);
    } catch {
      // Still durable in the outbox; written when the journal heals (or at the next start).
    } finally {
      this.#inFlight.delete(id);
    }
  }

  /** False when the journal cannot be written now (after trying to reopen it), so a call can be refused before it acts. */
  async writable(hsmName: string | undefined): Promise<boolean> {
    try {
      return !(await this.journal(hsmName)).failed;
    } catch {
      return false;
    }
  }

  /**
   * Opens every journal that has records waiting in the outbox (a crash left them there), so they reach their
   * journals at start rather than at the HSM's next call. A journal that cannot be opened now is retried.
   */
  async drainOutbox(): Promise<void> {
    const outbox = this.#options.outbox;
    if (outbox === undefined) return;
    const journals = await changeContext.exit(() => outbox.journals(this.#options.nodeId));
    await Promise.allSettled(journals.map((name) => this.journal(name)));
  }

  /** Follows the durable records of one journal across reopenings; returns the unsubscribe function. */
  onDurable(hsmName: string, listener: DurableListener): () => void {
    const slot = this.#slot(hsmName);
    slot.listeners.add(listener);
    return () => slot.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearInterval(this.#retryTimer);
    const journals = await Promise.allSettled([...this.#slots.values()].map((slot) => slot.current).filter((j) => j !== undefined));
    this.#slots.clear();
    for (const journal of journals) if (journal.status === "fulfilled") await journal.value.close();
    await this.#flushForgotten();
  }

  #slot(hsmName: string): JournalSlot {
    let slot = this.#slots.get(hsmName);
    if (slot === undefined) {
      slot = { current: undefined, failedTail: undefined, listeners: new Set() };
      this.#slots.set(hsmName, slot);
    }
    return slot;
  }

  async #open(hsmName: string, slot: JournalSlot): Promise<AuditJournal> {
    const path = auditJournalPath(this.#options.dataDir, hsmName, this.#options.nodeId);
    let opened: AuditJournal | undefined;
    const journal = await AuditJournal.open({
      ...this.#options.journal,
      path,
      signingKey: this.#options.signingKey,
      ...(slot.failedTail === undefined ? {} : { continueFrom: slot.failedTail }),
      onFailure: (cause) => {
        if (opened === undefined) return;
        slot.failedTail = opened.durableTail();
        if (slot.current !== undefined) slot.current = undefined;
        void opened.close();
        this.#markFailed(hsmName, cause);
      },
    });
    try {
      // After a failure, a signed checkpoint proves the file takes writes again before any call is let through.
      if (slot.failedTail !== undefined) await journal.checkpointNow();
      await this.#drain(hsmName, journal);
    } catch (error) {
      slot.failedTail = journal.durableTail();
      await journal.close().catch(() => undefined);
      throw error;
    }
    opened = journal;
    // One listener for the slot's followers, so those added later reach this journal and the next one alike.
    journal.onDurable((records) => {
      for (const listener of slot.listeners) {
        try {
          listener(records);
        } catch {
          // A broken follower must never affect the journal or the other followers.
        }
      }
    });
    slot.failedTail = undefined;
    this.#options.serving?.clear(`journal:${hsmName}`);
    return journal;
  }

  /** Appends, in commit order, the records of changes the outbox holds and the journal lacks. */
  async #drain(hsmName: string, journal: AuditJournal): Promise<void> {
    const outbox = this.#options.outbox;
    if (outbox === undefined) return;
    const rows = (await changeContext.exit(() => outbox.list(hsmName, this.#options.nodeId))).filter(
      (row) => !this.#inFlight.has(String(row.id)),
    );
    if (rows.length === 0) return;
    const oldest = Math.min(...rows.map((row) => row.createdAt));
    const present = await journal.findChangeIds(new Set(rows.map((row) => String(row.id))), oldest - CLOCK_SLACK_MS);
    const missing = rows.filter((row) => !present.has(String(row.id)));
    await Promise.all(missing.map((row) => journal.append(withChangeId(outboxEvent(row), String(row.id)))));
    for (const row of rows) this.#forgetRow(row.id);
  }

  /** The row's record is in a durable journal line: the outbox may let it go (in batches, off the call's path). */
  #forgetRow(changeId: number): void {
    this.#journaled.push(changeId);
    if (this.#journaled.length === 1) setImmediate(() => void this.#flushForgotten());
  }

  async #flushForgotten(): Promise<void> {
    const ids = this.#journaled.splice(0);
    if (ids.length === 0 || this.#options.outbox === undefined) return;
    const outbox = this.#options.outbox;
    // A row left behind only costs a lookup at the next drain, which finds its line and skips it.
    await changeContext
      .exit(() => outbox.remove(ids))
      .catch((error: unknown) => this.#options.logger?.error({ err: error }, "audit outbox rows not removed"));
  }

  #markFailed(hsmName: string, cause: unknown): void {
    if (this.#closed) return;
    this.#options.serving?.set(`journal:${hsmName}`, "the audit journal cannot be written");
    this.#options.logger?.error({ err: cause, hsm: hsmName }, "audit journal cannot be written; calls are refused until it can");
    if (this.#retryTimer === undefined) {
      this.#retryTimer = setInterval(() => this.#retryFailed(), this.#options.retryIntervalMs ?? 1000);
      this.#retryTimer.unref();
    }
  }

  #retryFailed(): void {
    const failed = [...this.#slots.entries()].filter(([, slot]) => slot.current === undefined && slot.failedTail !== undefined);
    const serving = this.#options.serving;
    const standing =
      serving === undefined ? [] : [...serving.reasons().keys()].filter((key) => key.startsWith("journal:")).map((key) => key.slice(8));
    const names = new Set([...failed.map(([name]) => name), ...standing]);
    if (names.size === 0) {
      clearInterval(this.#retryTimer);
      this.#retryTimer = undefined;
      return;
    }
    for (const name of names) this.journal(name).catch(() => undefined);
  }
}

function withChangeId(event: AuditEventInput, changeId: string): AuditEventInput {
  return { ...event, properties: { ...event.properties, changeId } };
}

function outboxEvent(row: OutboxRecord): AuditEventInput {
  return JSON.parse(row.event) as AuditEventInput;
}
