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

/** The tail of the file, or of its first `end` bytes (a reopen checks the line it acknowledged last there). */
export async function readJournalTail(file: JournalFile, path: string, end?: number): Promise<JournalTail> {
  const size = await file.size();
  const completeLength = await lastNewlineEnd(file, end === undefined ? size : Math.min(end, size));
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

/** The complete lines of the file's first `end` bytes (which end with a newline), last first, without newlines. */
export async function* readLinesBackwards(file: Pick<JournalFile, "read">, end: number): AsyncGenerator<string> {
  // The first line of each chunk may begin in the chunk before it; it waits there, with its newline.
  let head = Buffer.alloc(0);
  let chunkEnd = end;
  while (chunkEnd > 0) {
    const chunkStart = Math.max(0, chunkEnd - CHUNK);
    const data = Buffer.concat([await file.read(chunkStart, chunkEnd - chunkStart), head]);
    let lineEnd = data.length - 1;
    let previous = lineEnd > 0 ? data.lastIndexOf(0x0a, lineEnd - 1) : -1;
    while (previous >= 0) {
      yield data.toString("utf8", previous + 1, lineEnd);
      lineEnd = previous;
      previous = lineEnd > 0 ? data.lastIndexOf(0x0a, lineEnd - 1) : -1;
    }
    head = data.subarray(0, lineEnd + 1);
    chunkEnd = chunkStart;
  }
  if (head.length > 1) yield head.toString("utf8", 0, head.length - 1);
}
