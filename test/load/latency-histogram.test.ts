import { describe, expect, it } from "vitest";
import { newLatencyHistogram, percentileDistribution, recordMillis, summarizeLatency } from "../../src/load/latency-histogram.js";
import type { LoadTally } from "../../src/load/run.js";
import { fromWire, mergeTallies, toWire } from "../../src/load/tally-wire.js";

function tallyOf(millis: readonly number[], ok: number, errors: Record<string, number>, elapsedMs: number): LoadTally {
  const histogram = newLatencyHistogram();
  for (const value of millis) recordMillis(histogram, value);
  return { histogram, ok, errors, calls: ok, unmatched: 0, matched: ok, elapsedMs };
}

describe("latency percentiles", () => {
  it("reads p50/p90/p99/p99.9 and max from 1..10000 µs within HdrHistogram's 0.1 %", () => {
    const histogram = newLatencyHistogram();
    for (let micros = 1; micros <= 10_000; micros++) recordMillis(histogram, micros / 1000);
    const summary = summarizeLatency(histogram);
    expect(summary.count).toBe(10_000);
    for (const [value, expected] of [
      [summary.p50Micros, 5_000],
      [summary.p90Micros, 9_000],
      [summary.p99Micros, 9_900],
      [summary.p999Micros, 9_990],
      [summary.maxMicros, 10_000],
    ] as const) {
      expect(Math.abs(value - expected) / expected).toBeLessThanOrEqual(0.001);
    }
  });

  it("records at microsecond resolution and never below 1 µs", () => {
    const histogram = newLatencyHistogram();
    recordMillis(histogram, 0.0004);
    recordMillis(histogram, 0.25);
    expect(summarizeLatency(histogram)).toMatchObject({ count: 2, p50Micros: 1, maxMicros: 250 });
  });

  it("summarizes an empty run as zeros", () => {
    expect(summarizeLatency(newLatencyHistogram())).toMatchObject({ count: 0, p99Micros: 0, maxMicros: 0 });
    expect(percentileDistribution(newLatencyHistogram())).toEqual([]);
  });

  it("gives a distribution rising to the max, with percentiles below 100", () => {
    const histogram = newLatencyHistogram();
    for (let index = 1; index <= 1000; index++) recordMillis(histogram, index / 10);
    const points = percentileDistribution(histogram);
    expect(points[0]?.percentile).toBe(0);
    expect(points.at(-1)?.micros).toBe(summarizeLatency(histogram).maxMicros);
    for (let index = 1; index < points.length; index++) {
      expect(points[index]!.percentile).toBeGreaterThanOrEqual(points[index - 1]!.percentile);
      expect(points[index]!.micros).toBeGreaterThanOrEqual(points[index - 1]!.micros);
      expect(points[index]!.percentile).toBeLessThan(100);
    }
  });
});

describe("merging worker results", () => {
  it("merges histograms sent as encoded text into the distribution of all values", () => {
    const first = tallyOf([1, 2, 3, 4], 4, { "NOT_FOUND (KeyNotFound)": 2 }, 1000);
    const second = tallyOf([100, 200], 2, { "NOT_FOUND (KeyNotFound)": 1, UNAVAILABLE: 5 }, 1500);
    const merged = mergeTallies([
      fromWire(JSON.parse(JSON.stringify(toWire(first)))),
      fromWire(JSON.parse(JSON.stringify(toWire(second)))),
    ]);
    const reference = tallyOf([1, 2, 3, 4, 100, 200], 6, {}, 0).histogram;
    expect(merged.ok).toBe(6);
    expect(merged.matched).toBe(6);
    expect(merged.errors).toEqual({ "NOT_FOUND (KeyNotFound)": 3, UNAVAILABLE: 5 });
    expect(merged.elapsedMs).toBe(1500);
    expect(merged.histogram.totalCount).toBe(6);
    // Equal to one histogram of all six values, up to HdrHistogram's bucket precision (0.1 %).
    const got = summarizeLatency(merged.histogram);
    const want = summarizeLatency(reference);
    for (const field of ["p50Micros", "p90Micros", "p99Micros", "p999Micros", "maxMicros", "meanMicros"] as const) {
      expect(Math.abs(got[field] - want[field]) / want[field]).toBeLessThanOrEqual(0.001);
    }
    expect(got.p50Micros).toBeLessThan(5_000);
    expect(got.maxMicros).toBeGreaterThanOrEqual(199_900);
  });
});
