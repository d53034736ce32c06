/**
 * Finds where an existing journal ends so a reopened journal continues its
 * chain: the last complete line (parsed and hash-checked) and the length up to
 * its newline. Bytes after the last newline are a torn write from a crash;
 * they were never acknowledged (append resolves only after the whole line is
 * synced), so the caller may cut them off.
 */
import { KeyholdError } from "../errors.js";
import type { JournalFile } from "./journal-file.js";
import { parseRecordLine, recordHash } from "./record.js";
import type { JournalRecord } from "./record.js";

export interface JournalTail {
  /** Length of the file up to and including the last newline. */
  readonly completeLength: number;
  readonly last: JournalRecord | undefined;
}

const CHUNK = 64 * 1024;

export async function readJournalTail(file: JournalFile, path: string): Promise<JournalTail> {
  const size = await file.size();
  const completeLength = await lastNewlineEnd(file, size);
  if (completeLength === 0) return { completeLength, last: undefined };
  const lineStart = await lastNewlineEnd(file, completeLength - 1);
  const text = (await file.read(lineStart, completeLength - 1 - lineStart)).toString("utf8");
  const last = parseRecordLine(text);
  if (last === undefined || recordHash(last) !== last.hash) {
    throw new KeyholdError(
      "Unavailable",
      `The audit journal ${path} ends with a damaged record; run \`keyhold audit verify\` before appending to it.`,
    );
  }
  return { completeLength, last };
}

/** Offset just after the last "\n" in [0, end), or 0 when there is none. */
async function lastNewlineEnd(file: JournalFile, end: number): Promise<number> {
  let chunkEnd = end;
  while (chunkEnd > 0) {
    const chunkStart = Math.max(0, chunkEnd - CHUNK);
    const chunk = await file.read(chunkStart, chunkEnd - chunkStart);
    const index = chunk.lastIndexOf(0x0a);
    if (index >= 0) return chunkStart + index + 1;
    chunkEnd = chunkStart;
  }
  return 0;
}
