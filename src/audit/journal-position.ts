/**
 * Reading a journal from a remembered place, for followers that must resume exactly where they stopped (the
 * diagnostic-log forwarder): a place is the seq, end offset and hash of the last record consumed, and the next record
 * must chain to it, so a position taken in another file (a journal replaced or cut back) is refused instead of
 * silently skipping or repeating records. Reads stop at the length the journal has acknowledged, never at the file's
 * end: bytes past it may be a batch whose sync is still under way, or one that failed and will be cut off.
 */
import { open } from "node:fs/promises";
import { KeyholdError } from "../errors.js";
import { readLinesBackwards } from "./journal-tail.js";
import { readJournalLines } from "./lines.js";
import { GENESIS_HASH, isCheckpoint, parseRecordLine } from "./record.js";
import type { JournalRecord } from "./record.js";

/** Just after the line of record `seq` (seq 0, offset 0 and the genesis hash: before the first record). */
export interface JournalPosition {
  readonly seq: number;
  readonly offset: number;
  readonly hash: string;
}

const JOURNAL_START: JournalPosition = Object.freeze({ seq: 0, offset: 0, hash: GENESIS_HASH });

export interface PositionedRecord {
  readonly record: JournalRecord;
  /** Just after this record. */
  readonly position: JournalPosition;
}

/**
 * Up to `limit` records after `from`, within the first `durableLength` bytes. Throws Unavailable when a line there
 * is not a record or does not chain to the one before it.
 */
export async function readJournalPage(
  path: string,
  from: JournalPosition,
  durableLength: number,
  limit: number,
): Promise<PositionedRecord[]> {
  const page: PositionedRecord[] = [];
  if (durableLength < from.offset) throw notContinuing(path, from);
  let previous = from;
  for await (const line of readJournalLines(path, from.offset, from.seq + 1, durableLength)) {
    const record = line.terminated ? parseRecordLine(line.text) : undefined;
    if (record === undefined || record.seq !== previous.seq + 1 || record.prevHash !== previous.hash) throw notContinuing(path, previous);
    previous = { seq: record.seq, offset: line.endOffset, hash: record.hash };
    page.push({ record, position: previous });
    if (page.length >= limit) break;
  }
  return page;
}

/** A record appended this long after its call ended still counts as ended before a later `since` (an append's delay). */
const APPEND_SLACK_MS = 5_000;

/**
 * A position in the first `durableLength` bytes after which every record of a call that started at `since` or later
 * lies (records before it may too: the reader filters by time). Reads backwards from the end and stops at the first
 * checkpoint written before `since`, or the first event whose call ended well before it: lines are appended in the
 * order their calls end, so nothing earlier in the file can have started later.
 */
export async function positionBefore(path: string, durableLength: number, since: number): Promise<JournalPosition> {
  const handle = await open(path, "r");
  const file = {
    read: async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    },
  };
  try {
    let lineEnd = durableLength;
    for await (const text of readLinesBackwards(file, durableLength)) {
      const record = parseRecordLine(text);
      if (record !== undefined && endedBefore(record, since)) return { seq: record.seq, offset: lineEnd, hash: record.hash };
      lineEnd -= Buffer.byteLength(text, "utf8") + 1;
    }
    return JOURNAL_START;
  } finally {
    await handle.close();
  }
}

function endedBefore(record: JournalRecord, since: number): boolean {
  if (isCheckpoint(record)) return Date.parse(record.checkpoint.time) < since;
  return Date.parse(record.event.time) + record.event.durationMs < since - APPEND_SLACK_MS;
}

function notContinuing(path: string, position: JournalPosition): KeyholdError {
  return new KeyholdError(
    "Unavailable",
    `The audit journal ${path} does not continue from record ${position.seq} where forwarding stands; run \`keyhold audit verify\`.`,
  );
}
