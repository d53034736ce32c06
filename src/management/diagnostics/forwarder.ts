/**
 * Copies an HSM's audit events into storage accounts, as Azure Monitor's
 * diagnostic settings do (SPEC section 7; Azure delivers within minutes, we
 * within seconds).
 *
 * The data plane must not wait for this: the journal's durable listener only
 * pushes references onto a queue (no serialization, no I/O), and a timer
 * drains the queue in the background, one append per blob per batch. A
 * failed append is logged and its lines stay queued, ahead of newer lines of
 * the same blob, for the next batch; nothing is ever thrown into the journal.
 * The queue is bounded: when storage stays unwritable for long, new events
 * are dropped (and counted) instead of growing memory without limit.
 */
import pino from "pino";
import type { AuditEvent } from "../../audit/event.js";
import type { DurableListener } from "../../audit/journal.js";
import { isCheckpoint } from "../../audit/record.js";
import { badParameter, KeyholdError } from "../../errors.js";
import type { BlobStorage } from "../storage/blob-store.js";
import { AUDIT_EVENT_CONTAINER, auditLogBlobName, auditLogLine, azureResourceId } from "./azure-log-line.js";
import { checkDiagnosticSetting, checkHsmName, checkSettingName } from "./setting.js";
import type { DiagnosticSetting } from "./setting.js";

/** The part of `AuditJournal` the forwarder follows. */
export interface AuditJournalLike {
  onDurable(listener: DurableListener): () => void;
}

export interface ForwarderLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface DiagnosticForwarderOptions {
  readonly blobs: BlobStorage;
  /** The HSM's journal on this node (e.g. `AuditSink.journal`). */
  readonly openJournal: (hsmName: string) => Promise<AuditJournalLike>;
  /** Stamps `lastFailure.at`. */
  readonly now?: () => Date;
  readonly logger?: ForwarderLogger;
  /** Delay from the first queued event to its batch being written (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Delay before retrying failed appends when no new event arrives (default 10 s). */
  readonly retryIntervalMs?: number;
  /** Lines held at most while storage is slow or failing (default 100 000). */
  readonly maxQueuedLines?: number;
}

export interface DiagnosticForwarderStats {
  readonly queuedLines: number;
  readonly deliveredLines: number;
  readonly failedAppends: number;
  readonly droppedEvents: number;
  readonly lastFailure?: { readonly at: string; readonly storageAccount: string; readonly blob: string; readonly code: string };
}

/** Events serialized between two yields to the event loop. */
const SERIALIZE_SLICE_EVENTS = 256;

/** One storage account receiving an HSM's events, under the HSM's resource id. */
interface Destination {
  readonly storageAccount: string;
  readonly resourceId: string;
}

interface QueuedEvent {
  readonly event: AuditEvent;
  readonly destinations: readonly Destination[];
}

/** The lines waiting for one blob, oldest first. */
interface BlobBatch {
  readonly storageAccount: string;
  readonly blob: string;
  readonly lines: string[];
}

export class DiagnosticForwarder {
  readonly #blobs: BlobStorage;
  readonly #openJournal: (hsmName: string) => Promise<AuditJournalLike>;
  readonly #now: () => Date;
  readonly #logger: ForwarderLogger;
  readonly #flushIntervalMs: number;
  readonly #retryIntervalMs: number;
  readonly #maxQueuedLines: number;

  /** hsmName -> settingName -> destination, enabled settings only. */
  readonly #settings = new Map<string, Map<string, Destination>>();
  /** hsmName -> the distinct destinations of its settings, rebuilt on every change. */
  readonly #destinations = new Map<string, readonly Destination[]>();
  readonly #subscriptions = new Map<string, Promise<() => void>>();
  /** The latest change of each setting, from one counter, so a slow `setSetting` cannot undo a later change. */
  readonly #versions = new Map<string, number>();
  #lastVersion = 0;
  readonly #settingsInFlight = new Map<string, number>();

  #queue: QueuedEvent[] = [];
  readonly #batches = new Map<string, BlobBatch>();
  #queuedLines = 0;
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #droppedSinceReport = 0;
  readonly #stats = { deliveredLines: 0, failedAppends: 0, droppedEvents: 0 };
  #lastFailure: DiagnosticForwarderStats["lastFailure"];

  constructor(options: DiagnosticForwarderOptions) {
    this.#blobs = options.blobs;
    this.#openJournal = options.openJournal;
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger ?? pino({ name: "diagnostics" }, pino.destination(2));
    this.#flushIntervalMs = nonNegative(options.flushIntervalMs ?? 1000, "flushIntervalMs");
    this.#retryIntervalMs = nonNegative(options.retryIntervalMs ?? 10_000, "retryIntervalMs");
    this.#maxQueuedLines = options.maxQueuedLines ?? 100_000;
    if (!Number.isSafeInteger(this.#maxQueuedLines) || this.#maxQueuedLines < 1) {
      throw badParameter("maxQueuedLines", "must be a positive integer");
    }
  }

  /**
   * Creates, replaces or (with `auditEventEnabled: false`) removes a setting.
   * Resolves once events made durable from now on are forwarded; events made
   * durable before the call are not.
   */
  async setSetting(setting: DiagnosticSetting): Promise<void> {
    const checked = checkDiagnosticSetting(setting);
    if (this.#closing !== undefined) throw closedError();
    const { hsmName, settingName } = checked;
    const version = this.#bumpVersion(hsmName, settingName);
    if (!checked.auditEventEnabled) return this.#removeAfterDurableBatches(hsmName, settingName, version);
    this.#settingsInFlight.set(hsmName, (this.#settingsInFlight.get(hsmName) ?? 0) + 1);
    try {
      await this.#subscribe(hsmName);
      // Batches made durable before this call reach listeners while the setting is not yet
      // active, which is what "from then on" means.
      await nextTurnOfJournalListeners();
      if (this.#closing !== undefined) throw closedError();
      if (this.#versions.get(settingKey(hsmName, settingName)) !== version) return;
      const settings = this.#settings.get(hsmName) ?? new Map<string, Destination>();
      settings.set(settingName, { storageAccount: checked.storageAccount, resourceId: checked.resourceId });
      this.#settings.set(hsmName, settings);
      this.#rebuildDestinations(hsmName);
    } finally {
      this.#settingsInFlight.set(hsmName, (this.#settingsInFlight.get(hsmName) ?? 1) - 1);
      this.#releaseIfUnused(hsmName);
    }
  }

  /**
   * Removes the setting. Resolves once events made durable from now on are no longer forwarded;
   * events made durable before the call still are.
   */
  async removeSetting(hsmName: string, settingName: string): Promise<void> {
    checkHsmName(hsmName);
    checkSettingName(settingName);
    await this.#removeAfterDurableBatches(hsmName, settingName, this.#bumpVersion(hsmName, settingName));
  }

  /** Writes everything queued so far; resolves when done. Failures are logged and stay queued, never thrown. */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#writeQueued());
    return this.#writing;
  }

  /** Stops following every journal and writes what is queued (one attempt; failures are logged). */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    // Events made durable before close() are still queued and written.
    await nextTurnOfJournalListeners();
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    this.#settings.clear();
    this.#destinations.clear();
    for (const subscription of await Promise.allSettled(subscriptions)) {
      if (subscription.status === "fulfilled") subscription.value();
    }
    await this.flush();
  }

  getStats(): DiagnosticForwarderStats {
    const counts = { ...this.#stats, queuedLines: this.#queuedLines };
    return this.#lastFailure === undefined ? counts : { ...counts, lastFailure: this.#lastFailure };
  }

  async #removeAfterDurableBatches(hsmName: string, settingName: string, version: number): Promise<void> {
    // Batches made durable while the setting was active reach listeners on the next turn.
    await nextTurnOfJournalListeners();
    if (this.#versions.get(settingKey(hsmName, settingName)) === version) this.#forget(hsmName, settingName);
  }

  #bumpVersion(hsmName: string, settingName: string): number {
    this.#lastVersion += 1;
    this.#versions.set(settingKey(hsmName, settingName), this.#lastVersion);
    return this.#lastVersion;
  }

  #forget(hsmName: string, settingName: string): void {
    const settings = this.#settings.get(hsmName);
    if (settings?.delete(settingName) === true) {
      if (settings.size === 0) this.#settings.delete(hsmName);
      this.#rebuildDestinations(hsmName);
    }
    this.#versions.delete(settingKey(hsmName, settingName));
    this.#releaseIfUnused(hsmName);
  }

  #rebuildDestinations(hsmName: string): void {
    const distinct = new Map<string, Destination>();
    // Two settings naming the same account would otherwise write every event twice into the same blob.
    for (const destination of this.#settings.get(hsmName)?.values() ?? []) {
      distinct.set(`${destination.storageAccount}\n${azureResourceId(destination.resourceId)}`, destination);
    }
    if (distinct.size === 0) this.#destinations.delete(hsmName);
    else this.#destinations.set(hsmName, [...distinct.values()]);
  }

  async #subscribe(hsmName: string): Promise<void> {
    let subscription = this.#subscriptions.get(hsmName);
    if (subscription === undefined) {
      subscription = this.#openJournal(hsmName).then((journal) => journal.onDurable(this.#listenerFor(hsmName)));
      const opened = subscription;
      opened.catch(() => {
        if (this.#subscriptions.get(hsmName) === opened) this.#subscriptions.delete(hsmName);
      });
      this.#subscriptions.set(hsmName, opened);
    }
    await subscription;
  }

  #releaseIfUnused(hsmName: string): void {
    if (this.#settings.has(hsmName) || (this.#settingsInFlight.get(hsmName) ?? 0) > 0) return;
    this.#settingsInFlight.delete(hsmName);
    const subscription = this.#subscriptions.get(hsmName);
    if (subscription === undefined) return;
    this.#subscriptions.delete(hsmName);
    subscription.then(
      (unsubscribe) => unsubscribe(),
      () => undefined,
    );
  }

  #listenerFor(hsmName: string): DurableListener {
    return (records) => {
      const destinations = this.#destinations.get(hsmName);
      if (destinations === undefined || this.#closed) return;
      for (const record of records) {
        if (isCheckpoint(record)) continue;
        if (this.#queuedLines + destinations.length > this.#maxQueuedLines) {
          this.#stats.droppedEvents += 1;
          this.#droppedSinceReport += 1;
          continue;
        }
        this.#queue.push({ event: record.event, destinations });
        this.#queuedLines += destinations.length;
      }
      if (this.#queue.length > 0 || this.#droppedSinceReport > 0) this.#schedule(this.#flushIntervalMs);
    };
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delayMs);
    this.#timer.unref();
  }

  async #writeQueued(): Promise<void> {
    // Batches the journal made durable before this call are handed to listeners on the next turn.
    await nextTurnOfJournalListeners();
    await this.#batchQueuedEvents();
    if (this.#droppedSinceReport > 0) {
      this.#logger.warn({ droppedEvents: this.#droppedSinceReport }, "diagnostic log queue full; audit events were not forwarded");
      this.#droppedSinceReport = 0;
    }
    for (const [key, batch] of [...this.#batches]) {
      const lines = batch.lines.length;
      try {
        await this.#blobs.createContainer(batch.storageAccount, AUDIT_EVENT_CONTAINER);
        const data = Buffer.from(`${batch.lines.join("\n")}\n`, "utf8");
        await this.#blobs.appendBlob(batch.storageAccount, AUDIT_EVENT_CONTAINER, batch.blob, data, { sync: true });
        this.#batches.delete(key);
        this.#queuedLines -= lines;
        this.#stats.deliveredLines += lines;
      } catch (error) {
        this.#recordFailure(batch, error);
      }
    }
    if (this.#batches.size > 0) this.#schedule(this.#retryIntervalMs);
  }

  /** Serializes the queued events into their blobs' batches, after any lines a failed append left. */
  async #batchQueuedEvents(): Promise<void> {
    const queued = this.#queue;
    this.#queue = [];
    for (const [index, { event, destinations }] of queued.entries()) {
      // Serializing a large backlog in one go would stall every request on this event loop.
      if (index > 0 && index % SERIALIZE_SLICE_EVENTS === 0) await nextTurnOfJournalListeners();
      const time = new Date(event.time);
      for (const destination of destinations) {
        const blob = auditLogBlobName(destination.resourceId, time);
        const key = `${destination.storageAccount}\n${blob}`;
        let batch = this.#batches.get(key);
        if (batch === undefined) {
          batch = { storageAccount: destination.storageAccount, blob, lines: [] };
          this.#batches.set(key, batch);
        }
        batch.lines.push(auditLogLine(event, destination.resourceId));
      }
    }
  }

  #recordFailure(batch: BlobBatch, error: unknown): void {
    this.#stats.failedAppends += 1;
    const code = error instanceof KeyholdError ? error.code : String((error as NodeJS.ErrnoException | undefined)?.code ?? "Error");
    this.#lastFailure = { at: this.#now().toISOString(), storageAccount: batch.storageAccount, blob: batch.blob, code };
    this.#logger.error(
      { err: error, storageAccount: batch.storageAccount, blob: batch.blob, lines: batch.lines.length },
      "could not append audit events to the storage account; will retry with the next batch",
    );
  }
}

/**
 * `AuditJournal` tells its listeners from a setImmediate callback queued the moment a batch is
 * durable; one more setImmediate runs after every callback queued before it.
 */
function nextTurnOfJournalListeners(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

function settingKey(hsmName: string, settingName: string): string {
  return `${hsmName}\n${settingName}`;
}

function closedError(): KeyholdError {
  return new KeyholdError("Unavailable", "The diagnostic settings forwarder is shut down.");
}

function nonNegative(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw badParameter(field, "must be a number of milliseconds, zero or more");
  }
  return value;
}
