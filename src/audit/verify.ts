/**
 * Verifies a journal file line by line and reports the FIRST problem:
 *   changed      a line's hash does not match its content, or the next line
 *                does not chain to it (it was changed and re-hashed)
 *   removed      a sequence number is missing
 *   reordered    a sequence number appears out of place
 *   malformed    a complete line that is not a journal record
 *   truncated    the last line was cut off before its newline
 *   bad-checkpoint-signature / untrusted-checkpoint-key
 * `problem.seq` is the sequence number where the chain breaks (the changed
 * record, the first missing one, or the one expected at that line) and
 * `problem.line` the 1-based line of the file where it was seen.
 */
import type { KeyObject } from "node:crypto";
import { checkpointPublicKeyOf, verifyCheckpoint } from "./checkpoint.js";
import { readJournalLines } from "./lines.js";
import type { JournalLine } from "./lines.js";
import { GENESIS_HASH, isCheckpoint, parseRecordLine, recordHash } from "./record.js";
import type { CheckpointPublicKey } from "./record.js";

type JournalProblemKind =
  | "changed"
  | "removed"
  | "reordered"
  | "malformed"
  | "truncated"
  | "bad-checkpoint-signature"
  | "untrusted-checkpoint-key";

interface JournalProblem {
  readonly seq: number;
  readonly line: number;
  readonly kind: JournalProblemKind;
  readonly message: string;
}

export interface JournalVerification {
  readonly ok: boolean;
  /** Event records checked before the first problem (or in all, when ok). */
  readonly records: number;
  /** Checkpoints whose signature verified. */
  readonly checkpoints: number;
  /** Event records after the last valid checkpoint: chained, but not yet vouched for by a signature. */
  readonly recordsAfterLastCheckpoint: number;
  /** Whether checkpoints were checked against a trusted node key, not only the key they name. */
  readonly trustedKey: boolean;
  readonly problem?: JournalProblem;
}

export async function verifyJournal(path: string, trustedPublicKey?: KeyObject): Promise<JournalVerification> {
  const trusted: CheckpointPublicKey | undefined =
    trustedPublicKey === undefined ? undefined : checkpointPublicKeyOf(trustedPublicKey, "trustedPublicKey");
  let records = 0;
  let checkpoints = 0;
  let sinceCheckpoint = 0;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const result = (problem?: JournalProblem): JournalVerification => ({
    ok: problem === undefined,
    records,
    checkpoints,
    recordsAfterLastCheckpoint: sinceCheckpoint,
    trustedKey: trusted !== undefined,
    ...(problem === undefined ? {} : { problem }),
  });

  const lines = readJournalLines(path);
  for await (const { line, text, terminated } of lines) {
    if (!terminated) {
      return result({
        seq: expectedSeq,
        line,
        kind: "truncated",
        message: `line ${line} is cut off: the journal ends inside record ${expectedSeq}`,
      });
    }
    const record = parseRecordLine(text);
    if (record === undefined) {
      return result({
        seq: expectedSeq,
        line,
        kind: "malformed",
        message: `line ${line} is not a journal record (record ${expectedSeq} expected)`,
      });
    }
    if (record.seq !== expectedSeq) {
      const foundLater = record.seq > expectedSeq && (await seqAppearsIn(lines, expectedSeq));
      const kind = record.seq < expectedSeq || foundLater ? "reordered" : "removed";
      const message =
        kind === "removed"
          ? `record ${expectedSeq} is missing: line ${line} holds record ${record.seq}`
          : `records are out of order: line ${line} holds record ${record.seq} where record ${expectedSeq} belongs`;
      return result({ seq: expectedSeq, line, kind, message });
    }
    if (recordHash(record) !== record.hash) {
      return result({
        seq: record.seq,
        line,
        kind: "changed",
        message: `record ${record.seq} (line ${line}) was changed: its hash does not match its content`,
      });
    }
    if (record.prevHash !== prevHash) {
      return result({
        seq: record.seq - 1,
        line: line - 1,
        kind: "changed",
        message: `record ${record.seq} does not chain to record ${record.seq - 1}: record ${record.seq - 1} (line ${line - 1}) was replaced`,
      });
    }
    if (isCheckpoint(record)) {
      const check = verifyCheckpoint(record, trusted);
      if (!check.ok) {
        const kind = check.untrustedKey ? "untrusted-checkpoint-key" : "bad-checkpoint-signature";
        return result({ seq: record.seq, line, kind, message: `checkpoint ${record.seq} (line ${line}): ${check.reason}` });
      }
      checkpoints += 1;
      sinceCheckpoint = 0;
    } else {
      records += 1;
      sinceCheckpoint += 1;
    }
    prevHash = record.hash;
    expectedSeq += 1;
  }
  return result();
}

/** Scans the rest of the file for a record with this sequence number (to tell a move from a removal). */
async function seqAppearsIn(lines: AsyncGenerator<JournalLine>, seq: number): Promise<boolean> {
  for await (const { text } of lines) {
    if (parseRecordLine(text)?.seq === seq) return true;
  }
  return false;
}
