/**
 * Files of many values, one base64url value per line (`key sign --digest-file`, `key verify --signature-file`):
 * each line becomes one item of a batch call, and each answer goes back to its line. A line that cannot be read
 * is that line's own failure, not the file's, so the other lines are still signed and the output stays aligned.
 */
import { fromBase64Url } from "../crypto/bytes.js";
import { MAX_BATCH_ITEMS } from "../batch-limit.js";
import { KeyholdError, badParameter } from "../errors.js";

/** A file too long to be a list of digests someone meant to sign in one command. */
const MAX_LINES = 1_000_000;

/** One line's value, or why it has none; `line` counts from 1. */
export type LineValue = { readonly line: number; readonly bytes: Uint8Array } | { readonly line: number; readonly problem: string };

/** The lines of a text file: "\n" or "\r\n" line ends; the empty string after a final line end is no line. */
export function splitLines(flag: string, text: string): string[] {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.at(-1) === "") lines.pop();
  if (lines.length === 0) throw badParameter(flag, "holds no lines; give one base64url value per line");
  if (lines.length > MAX_LINES) throw badParameter(flag, `holds ${lines.length} lines; at most ${MAX_LINES}`);
  return lines;
}

/**
 * Each line decoded from base64url (surrounding spaces ignored, and the "=" padding of RFC 4648 section 5 that
 * `basenc --base64url` writes); a blank or undecodable line is that line's problem.
 */
export function base64UrlLines(lines: readonly string[]): LineValue[] {
  return lines.map((text, index) => {
    const line = index + 1;
    const trimmed = text.trim();
    const value = trimmed.length % 4 === 0 ? trimmed.replace(/={1,2}$/, "") : trimmed;
    if (value === "") return { line, problem: "is empty" };
    try {
      return { line, bytes: fromBase64Url(value, `line ${line}`) };
    } catch (error) {
      if (error instanceof KeyholdError) return { line, problem: "is not valid base64url" };
      throw error;
    }
  });
}

/** `items` in consecutive runs of at most `size`: a file longer than one batch call takes several. */
export function inBatches<T>(items: readonly T[], size = MAX_BATCH_ITEMS): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
