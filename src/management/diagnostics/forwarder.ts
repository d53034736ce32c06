/**
 * Copies this node's audit events into the storage accounts of diagnostic settings, as Azure Monitor does (SPEC
 * sections 7 and 14; Azure delivers within minutes, keyhold within a few ticks).
 *
 * Every node forwards its own journals (each node writes its own journal per HSM). It follows the settings in the
 * store, read again on its tick whenever the store's generation moved, so a setting made through any node applies to
 * all. Nothing is held in memory between ticks: for each destination (a storage account and the resource id its
 * lines are filed under) the store keeps a cursor, the last journal record delivered, and each tick reads what the
 * journal has acknowledged past it, in bounded pages, straight from the journal file. The cursor moves only after the
 * append succeeded (delivery.ts), so a failed append is retried from the cursor after `retryIntervalMs`, a kill -9
 * loses nothing, and storage that stays down for long costs disk (the journal), never memory or events.
 *
 * Once: the node's forwarding is a claim in the store (`diagnostics:<node id>`, a lease renewed while it works), held
 * by one process at a time, so a node restarted while its predecessor still drains, or two processes given one node
 * id, never forward the same records; the cursor's move checks that it is still where the forwarder last saw it.
 *
 * A destination starts with the events of calls that started when its setting was enabled (`enabledAt`), not the
 * journal's history. The data plane never waits for any of this: the forwarder runs on its own timer.
 */
import { randomUUID } from "node:crypto";
import pino from "pino";
import { isCheckpoint } from "../../audit/record.js";
import { positionBefore, readJournalPage, type JournalPosition, type PositionedRecord } from "../../audit/journal-position.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { changeContext, type Store } from "../../store/index.js";
import type { DiagnosticCursorKey, DiagnosticCursorRecord } from "../../store/diagnostic-cursor-records.js";
import { auditLogBlobName, auditLogLine, azureResourceId } from "./azure-log-line.js";
import type { LogDelivery } from "./delivery.js";
import { checkDiagnosticSetting, type DiagnosticSetting } from "./setting.js";

/** What the forwarder reads of one HSM's journal on this node (`AuditSink.journal(name)` gives it). */
export interface ForwardedJournal {
  readonly path: string;
  /** Where the acknowledged lines end: the forwarder never reads past it. */
  durableTail(): { readonly length: number };
}

export interface ForwardedJournals {
  journal(hsmName: string): Promise<ForwardedJournal>;
}

export interface ForwarderLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface DiagnosticForwarderOptions {
  /** This node's id: its journals, its cursors and its claim. */
  readonly nodeId: string;
  readonly store: Pick<Store, "generation" | "diagnosticCursors" | "workClaims">;
  /** The stored settings (storedDiagnosticSettings), read again whenever the store's generation moved. */
  readonly settings: () => Promise<readonly DiagnosticSetting[]>;
  readonly journals: ForwardedJournals;
  readonly delivery: LogDelivery;
  /** Stamps `lastFailure.at`. */
  readonly now?: () => Date;
  readonly logger?: ForwarderLogger;
  /** How often it looks for new records and changed settings (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Delay before a destination whose append failed is tried again (default 10 s). */
  readonly retryIntervalMs?: number;
  /** The claim's lease, renewed while the forwarder works (default 30 s). */
  readonly leaseMs?: number;
  /** Records read from a journal at once (default 1000): memory stays bounded whatever the backlog. */
  readonly pageRecords?: number;
}

export interface DiagnosticForwarderStats {
  readonly deliveredLines: number;
  readonly failedAppends: number;
  /** Journal bytes past the cursors of the enabled destinations, as of the last tick: what is still to deliver. */
  readonly pendingBytes: number;
  /** Whether this process held the node's forwarding claim at its last tick that had work. */
  readonly claimHeld: boolean;
  readonly lastFailure?: { readonly at: string; readonly storageAccount: string; readonly blob: string; readonly code: string };
}

/** One storage account receiving one HSM's events, under the HSM's resource id. */
interface Destination {
  readonly key: DiagnosticCursorKey;
  /** The resource id as the setting spells it (lines upper-case it). */
  readonly resourceId: string;
  /** The earliest `enabledAt` of the enabled settings naming it. */
  readonly since: number;
  /** False: no enabled setting names it now (disabled, HSM soft-deleted, account gone); its cursor is kept. */
  readonly enabled: boolean;
}

/** Consecutive records of a page whose lines go to one blob. */
interface Run {
  blob: string | undefined;
  readonly lines: string[];
  end: JournalPosition;
}

export class DiagnosticForwarder {
  readonly #nodeId: string;
  readonly #store: DiagnosticForwarderOptions["store"];
  readonly #readSettings: () => Promise<readonly DiagnosticSetting[]>;
  readonly #journals: ForwardedJournals;
  readonly #delivery: LogDelivery;
  readonly #now: () => Date;
  readonly #logger: ForwarderLogger;
  readonly #flushIntervalMs: number;
  readonly #retryIntervalMs: number;
  readonly #leaseMs: number;
  readonly #pageRecords: number;
  readonly #claimName: string;
  /** This process, among any others that run with the same node id. */
  readonly #holder: string;

  #destinations = new Map<string, Destination>();
  #settingsGeneration: number | undefined;
  /** This node's cursors as the store holds them; undefined until read under the claim, or when found stale. */
  #cursors: Map<string, DiagnosticCursorRecord> | undefined;
  /** performance.now() when the claim was last asked for and granted. */
  #claimedAt: number | undefined;
  /** Destinations (by key) whose append failed, and when they may be tried again. */
  readonly #retryAt = new Map<string, number>();
  #ticks: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  readonly #stats = { deliveredLines: 0, failedAppends: 0, pendingBytes: 0, claimHeld: false };
  #lastFailure: DiagnosticForwarderStats["lastFailure"];

  constructor(options: DiagnosticForwarderOptions) {
    this.#nodeId = options.nodeId;
    this.#store = options.store;
    this.#readSettings = options.settings;
    this.#journals = options.journals;
    this.#delivery = options.delivery;
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger ?? pino({ name: "diagnostics" }, pino.destination(2));
    this.#flushIntervalMs = nonNegative(options.flushIntervalMs ?? 1000, "flushIntervalMs");
    this.#retryIntervalMs = nonNegative(options.retryIntervalMs ?? 10_000, "retryIntervalMs");
    this.#leaseMs = positiveInteger(options.leaseMs ?? 30_000, "leaseMs");
    this.#pageRecords = positiveInteger(options.pageRecords ?? 1000, "pageRecords");
    this.#claimName = `diagnostics:${this.#nodeId}`;
    this.#holder = `${this.#nodeId}/${process.pid}/${randomUUID()}`;
    this.#schedule();
  }

  /** Runs a tick now, after any under way: delivers what the journals acknowledged so far. Failures are logged, never thrown. */
  flush(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // Its writes (cursors, claim, blobs) belong to no call, even when a call asks for the flush.
    this.#ticks = this.#ticks.then(() => changeContext.exit(() => this.#tick()));
    return this.#ticks;
  }

  /** Stops the timer, delivers what is acknowledged (one attempt) and gives the claim up. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  getStats(): DiagnosticForwarderStats {
    const counts = { ...this.#stats };
    return this.#lastFailure === undefined ? counts : { ...counts, lastFailure: this.#lastFailure };
  }

  async #shutDown(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#closed = true;
    if (this.#claimedAt !== undefined) {
      await changeContext.exit(() => this.#store.workClaims.release(this.#claimName, this.#holder)).catch(() => undefined);
    }
  }

  #schedule(): void {
    if (this.#closing !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().finally(() => this.#schedule());
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.#followSettings();
      if (this.#destinations.size === 0 && this.#cursors?.size === 0) return;
      if (!(await this.#holdClaim())) return;
      let pending = 0;
      for (const destination of this.#destinations.values()) {
        try {
          pending += await this.#forward(destination);
        } catch (error) {
          // A journal that does not continue from the cursor, the store down, a cursor moved under us: this
          // destination waits for its retry, and the next tick reads the cursors again before any is moved.
          this.#cursors = undefined;
          this.#retryAt.set(keyOf(destination.key), performance.now() + this.#retryIntervalMs);
          this.#logger.error(
            { err: error, hsm: destination.key.journal, storageAccount: destination.key.storageAccount },
            "diagnostic log forwarding failed; will try again",
          );
          break;
        }
      }
      this.#stats.pendingBytes = pending;
      if (this.#cursors !== undefined) await this.#forgetUnnamedCursors();
    } catch (error) {
      this.#cursors = undefined;
      this.#logger.error({ err: error }, "diagnostic log forwarding failed; will try again");
    }
  }

  async #followSettings(): Promise<void> {
    const generation = await this.#store.generation();
    if (generation === this.#settingsGeneration) return;
    const destinations = new Map<string, Destination>();
    for (const stored of await this.#readSettings()) {
      let setting: DiagnosticSetting;
      try {
        setting = checkDiagnosticSetting(stored);
      } catch (error) {
        this.#logger.error({ err: error, setting: stored.settingName, hsm: stored.hsmName }, "diagnostic setting ignored");
        continue;
      }
      const key = {
        nodeId: this.#nodeId,
        journal: setting.hsmName,
        storageAccount: setting.storageAccount,
        resourceId: azureResourceId(setting.resourceId),
      };
      // Two settings naming one account write each event once, from the earlier of their enabled times.
      const known = destinations.get(keyOf(key));
      const enabled = setting.auditEventEnabled || known?.enabled === true;
      let since = known?.since ?? setting.enabledAt;
      if (setting.auditEventEnabled) since = known?.enabled === true ? Math.min(known.since, setting.enabledAt) : setting.enabledAt;
      destinations.set(keyOf(key), { key, resourceId: setting.resourceId, since, enabled });
    }
    this.#destinations = destinations;
    this.#settingsGeneration = generation;
  }

  /** Whether this process holds the claim now; renews it once a third of the lease has passed. */
  async #holdClaim(): Promise<boolean> {
    const asked = performance.now();
    if (this.#claimedAt !== undefined && asked - this.#claimedAt < this.#leaseMs / 3 && this.#cursors !== undefined) return true;
    const held = await this.#store.workClaims.claim(this.#claimName, this.#holder, this.#leaseMs);
    // A lease that ran out may have let another process move the cursors meanwhile.
    if (!held || this.#claimedAt === undefined || asked - this.#claimedAt >= this.#leaseMs) this.#cursors = undefined;
    this.#claimedAt = held ? asked : undefined;
    this.#stats.claimHeld = held;
    if (held && this.#cursors === undefined) {
      const stored = await this.#store.diagnosticCursors.list(this.#nodeId);
      this.#cursors = new Map(stored.map((cursor) => [keyOf(cursor), cursor]));
    }
    return held;
  }

  /** Delivers what the destination's journal acknowledged past its cursor; returns the bytes still pending. */
  async #forward(destination: Destination): Promise<number> {
    const key = keyOf(destination.key);
    const waiting = (this.#retryAt.get(key) ?? 0) > performance.now();
    let journal: ForwardedJournal;
    try {
      journal = await this.#journals.journal(destination.key.journal);
    } catch (error) {
      // Said once per retry interval, not on every tick.
      if (!waiting)
        this.#logger.error({ err: error, hsm: destination.key.journal }, "cannot open the audit journal to forward it; will try again");
      if (!waiting) this.#retryAt.set(key, performance.now() + this.#retryIntervalMs);
      return 0;
    }
    const end = journal.durableTail().length;
    let cursor = await this.#startingCursor(destination, journal, end);
    if (cursor === undefined || !destination.enabled) return 0;
    if (waiting) return end - cursor.position.offset;
    while (cursor.position.offset < end) {
      if (!(await this.#holdClaim())) return end - cursor.position.offset;
      const page = await readJournalPage(journal.path, cursor.position, end, this.#pageRecords);
      for (const run of runsOf(page, destination)) {
        const next: DiagnosticCursorRecord = { ...cursor, position: run.end };
        const moved = await this.#deliver(destination, run, cursor, next);
        if (moved === "failed") return end - cursor.position.offset;
        if (!moved) throw new KeyholdError("Conflict", `Another process moved the forwarding cursor of ${destination.key.journal}.`);
        this.#cursors?.set(key, next);
        cursor = next;
      }
      // A long backlog must not hold the event loop: one page per turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#retryAt.delete(key);
    return 0;
  }

  /** Appends the run's lines and moves the cursor (or only moves it past records that give no line). */
  async #deliver(
    destination: Destination,
    run: Run,
    from: DiagnosticCursorRecord,
    to: DiagnosticCursorRecord,
  ): Promise<boolean | "failed"> {
    const now = this.#now().getTime();
    if (run.blob === undefined) return this.#store.diagnosticCursors.move(to, from, now);
    const batch = { storageAccount: destination.key.storageAccount, blob: run.blob, data: Buffer.from(run.lines.join(""), "utf8") };
    try {
      const moved = await this.#delivery.deliver(batch, from, to, now);
      if (moved) this.#stats.deliveredLines += run.lines.length;
      return moved;
    } catch (error) {
      this.#stats.failedAppends += 1;
      this.#retryAt.set(keyOf(destination.key), performance.now() + this.#retryIntervalMs);
      const code = error instanceof KeyholdError ? error.code : String((error as NodeJS.ErrnoException | undefined)?.code ?? "Error");
      this.#lastFailure = { at: this.#now().toISOString(), storageAccount: batch.storageAccount, blob: batch.blob, code };
      this.#logger.error(
        { err: error, storageAccount: batch.storageAccount, blob: batch.blob, lines: run.lines.length },
        "could not append audit events to the storage account; will retry from the same record",
      );
      return "failed";
    }
  }

  /**
   * The destination's cursor, made when there is none and moved forward when its settings were enabled again later:
   * it starts at the records of calls that started at `since`, never earlier than where it stood.
   */
  async #startingCursor(destination: Destination, journal: ForwardedJournal, end: number): Promise<DiagnosticCursorRecord | undefined> {
    const cursors = this.#cursors ?? new Map<string, DiagnosticCursorRecord>();
    const current = cursors.get(keyOf(destination.key));
    if (!destination.enabled || (current !== undefined && current.since >= destination.since)) return current;
    const start = await positionBefore(journal.path, end, destination.since);
    const position = current !== undefined && current.position.offset >= start.offset ? current.position : start;
    const next: DiagnosticCursorRecord = { ...destination.key, since: destination.since, position };
    if (!(await this.#store.diagnosticCursors.move(next, current, this.#now().getTime()))) {
      throw new KeyholdError("Conflict", `Another process moved the forwarding cursor of ${destination.key.journal}.`);
    }
    cursors.set(keyOf(next), next);
    return next;
  }

  /** Cursors of destinations no setting names any more: a setting made again later starts afresh. */
  async #forgetUnnamedCursors(): Promise<void> {
    for (const [key, cursor] of this.#cursors ?? []) {
      if (this.#destinations.has(key)) continue;
      await this.#store.diagnosticCursors.remove(cursor);
      this.#cursors?.delete(key);
      this.#retryAt.delete(key);
    }
  }
}

/**
 * The page's records in runs that each go to one blob: an event of a call that started before `since`, and a
 * checkpoint, give no line and only move the cursor past them.
 */
function runsOf(page: readonly PositionedRecord[], destination: Destination): Run[] {
  const runs: Run[] = [];
  let run: Run | undefined;
  for (const { record, position } of page) {
    const time = isCheckpoint(record) ? undefined : new Date(record.event.time);
    const blob = time === undefined || time.getTime() < destination.since ? undefined : auditLogBlobName(destination.resourceId, time);
    if (run === undefined || (blob !== undefined && run.blob !== undefined && blob !== run.blob)) {
      run = { blob: undefined, lines: [], end: position };
      runs.push(run);
    }
    if (blob !== undefined && !isCheckpoint(record)) {
      run.blob = blob;
      run.lines.push(`${auditLogLine(record.event, destination.resourceId)}\n`);
    }
    run.end = position;
  }
  return runs;
}

function keyOf(key: DiagnosticCursorKey): string {
  return [key.nodeId, key.journal, key.storageAccount, key.resourceId].join("\n");
}

function nonNegative(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw badParameter(field, "must be a number of milliseconds, zero or more");
  }
  return value;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw badParameter(field, "must be a positive integer");
  return value;
}
