/** Streams a journal file as lines, noting whether each ended with "\n". */
import { createReadStream } from "node:fs";

export interface JournalLine {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
  /** False only for a last line that was cut off before its newline. */
  readonly terminated: boolean;
  /** Byte offset just after this line (and its newline). */
  readonly endOffset: number;
}

/** The lines from byte `startOffset` up to `endOffset` (the end of the file by default, exclusive). */
export async function* readJournalLines(path: string, startOffset = 0, firstLine = 1, endOffset?: number): AsyncGenerator<JournalLine> {
  if (endOffset !== undefined && endOffset <= startOffset) return;
  let line = firstLine;
  let offset = startOffset;
  let carry: Buffer = Buffer.alloc(0);
  // createReadStream's `end` is inclusive.
  for await (const chunk of createReadStream(
    path,
    endOffset === undefined ? { start: startOffset } : { start: startOffset, end: endOffset - 1 },
  )) {
    let data = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    let newline = data.indexOf(0x0a);
    while (newline >= 0) {
      offset += newline + 1;
      yield { line, text: data.toString("utf8", 0, newline), terminated: true, endOffset: offset };
      line += 1;
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
    }
    carry = Buffer.from(data);
  }
  if (carry.length > 0) yield { line, text: carry.toString("utf8"), terminated: false, endOffset: offset + carry.length };
}
