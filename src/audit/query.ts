/**
 * Reading a journal back: filtered queries, the last N records, and a follow
 * mode that polls the file for new lines. Checkpoint lines are skipped; these
 * functions do not verify the chain (that is `verifyJournal`).
 */
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { badParameter } from "../errors.js";
import type { AuditResultType } from "./event.js";
import { readJournalLines } from "./lines.js";
import { isCheckpoint, parseRecordLine } from "./record.js";
import type { AuditRecord } from "./record.js";

export interface AuditQuery {
  /** Records at or after this time. */
  readonly since?: Date;
  /** Object id, user principal name or application id of the caller (case-insensitive). */
  readonly principal?: string;
  /** operationName, e.g. "KeySign" (case-insensitive). */
  readonly operation?: string;
  readonly result?: AuditResultType;
  /** At most this many records, the earliest first. */
  readonly limit?: number;
}

function matchesQuery(record: AuditRecord, query: AuditQuery): boolean {
  const event = record.event;
  if (query.since !== undefined && !(Date.parse(event.time) >= query.since.getTime())) return false;
  if (query.result !== undefined && event.resultType !== query.result) return false;
  if (query.operation !== undefined && !sameText(event.operationName, query.operation)) return false;
  if (query.principal !== undefined) {
    const identity = event.identity ?? {};
    const principal = query.principal;
    if (![identity.oid, identity.upn, identity.appid].some((value) => sameText(value, principal))) return false;
  }
  return true;
}

export async function queryJournal(path: string, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const limit = checkedLimit(query.limit);
  const found: AuditRecord[] = [];
  for await (const { record } of completeLines(path)) {
    if (found.length >= limit) break;
    if (record !== undefined && matchesQuery(record, query)) found.push(record);
  }
  return found;
}

/** Queries several journals (one per node) and merges them by event time. */
export async function queryJournals(paths: readonly string[], query: AuditQuery = {}): Promise<AuditRecord[]> {
  const perFile = await Promise.all(paths.map((path) => queryJournal(path, { ...query, limit: undefined })));
  return perFile.flat().sort(byTime).slice(0, checkedLimit(query.limit));
}

export interface JournalTailResult {
  readonly records: AuditRecord[];
  /** Where a follower should continue reading. */
  readonly endOffset: number;
}

/** The last `count` event records of one journal. */
export async function tailJournal(path: string, count: number): Promise<JournalTailResult> {
  const keep = checkedLimit(count, "n");
  const records: AuditRecord[] = [];
  let endOffset = 0;
  for await (const { record, endOffset: end } of completeLines(path)) {
    endOffset = end;
    if (record === undefined) continue;
    records.push(record);
    if (records.length > keep) records.shift();
  }
  return { records, endOffset };
}

export interface FollowOptions {
  /** Byte offset to continue from (a tail's endOffset); by default the current end of the file. */
  readonly startOffset?: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Yields event records as complete lines appear, until the signal aborts. A
 * line is only read once its newline is there, so a half-written line is
 * picked up on a later poll rather than reported broken.
 */
export async function* followJournal(path: string, options: FollowOptions = {}): AsyncGenerator<AuditRecord> {
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  let offset = options.startOffset ?? (await fileSize(path));
  while (options.signal?.aborted !== true) {
    const size = await fileSize(path);
    // The journal cuts a failed batch back off; continue from what is there.
    if (size < offset) offset = size;
    if (size > offset) {
      for await (const { record, endOffset } of completeLines(path, offset)) {
        offset = endOffset;
        if (record !== undefined) yield record;
      }
    }
    try {
      await sleep(pollIntervalMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch {
      return;
    }
  }
}

interface CompleteLine {
  /** The line's event record; undefined for a checkpoint or a line that is not a record. */
  readonly record: AuditRecord | undefined;
  /** Byte offset just after the line's newline. */
  readonly endOffset: number;
}

/** Every line from `startOffset` that has its newline; a line still being written ends the read. */
async function* completeLines(path: string, startOffset = 0): AsyncGenerator<CompleteLine> {
  for await (const { text, terminated, endOffset } of readJournalLines(path, startOffset)) {
    if (!terminated) return;
    const record = parseRecordLine(text);
    yield { record: record === undefined || isCheckpoint(record) ? undefined : record, endOffset };
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

function checkedLimit(limit: number | undefined, field = "limit"): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(limit) || limit < 0) throw badParameter(field, "must be a whole number, zero or more");
  return limit;
}

export function byTime(a: AuditRecord, b: AuditRecord): number {
  return Date.parse(a.event.time) - Date.parse(b.event.time) || a.seq - b.seq;
}

function sameText(value: string | undefined, wanted: string): boolean {
  return value !== undefined && value.toLowerCase() === wanted.toLowerCase();
}
