/**
 * A LoadTally as plain JSON, for the IPC between `--workers` children and
 * their parent, and the merge of several into one.
 */
import { decodeHistogram, encodeHistogram, mergeHistograms } from "./latency-histogram.js";
import { addErrorCounts, type ErrorCounts } from "./outcome.js";
import type { LoadTally } from "./run.js";

export interface WireTally {
  /** HdrHistogram compressed base64 (V2 encoding), values in µs. */
  histogram: string;
  ok: number;
  errors: ErrorCounts;
  calls: number;
  unmatched: number;
  matched: number;
  elapsedMs: number;
}

export function toWire(tally: LoadTally): WireTally {
  return { ...tally, histogram: encodeHistogram(tally.histogram), errors: { ...tally.errors } };
}

export function fromWire(wire: WireTally): LoadTally {
  return { ...wire, histogram: decodeHistogram(wire.histogram), errors: { ...wire.errors } };
}

/** Counts add up, histograms merge, and the run lasted as long as its longest part. */
export function mergeTallies(parts: readonly LoadTally[]): LoadTally {
  return {
    histogram: mergeHistograms(parts.map((part) => part.histogram)),
    ok: sum(parts, (part) => part.ok),
    errors: parts.reduce<ErrorCounts>((into, part) => addErrorCounts(into, part.errors), {}),
    calls: sum(parts, (part) => part.calls),
    unmatched: sum(parts, (part) => part.unmatched),
    matched: sum(parts, (part) => part.matched),
    elapsedMs: Math.max(0, ...parts.map((part) => part.elapsedMs)),
  };
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
