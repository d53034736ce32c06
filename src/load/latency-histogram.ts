/**
 * Latency in an HDR histogram at microsecond resolution with three
 * significant digits (HdrHistogram's usual setting: 0.1 % value error),
 * plus the encode / decode / merge the worker processes need.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

/** One minute in µs; the histogram grows past it rather than dropping a value. */
const HIGHEST_TRACKABLE_MICROS = 60_000_000;

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/** Records a latency given in milliseconds (performance.now() units) as whole µs, at least 1. */
export function recordMillis(histogram: Histogram, millis: number): void {
  histogram.recordValue(Math.max(1, Math.round(millis * 1000)));
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/** A new histogram holding every value of `parts`. */
export function mergeHistograms(parts: readonly Histogram[]): Histogram {
  const merged = newLatencyHistogram();
  for (const part of parts) merged.add(part);
  return merged;
}

export interface LatencySummary {
  count: number;
  p50Micros: number;
  p90Micros: number;
  p99Micros: number;
  p999Micros: number;
  maxMicros: number;
  meanMicros: number;
}

export function summarizeLatency(histogram: Histogram): LatencySummary {
  const empty = histogram.totalCount === 0;
  const at = (percentile: number): number => (empty ? 0 : histogram.getValueAtPercentile(percentile));
  return {
    count: histogram.totalCount,
    p50Micros: at(50),
    p90Micros: at(90),
    p99Micros: at(99),
    p999Micros: at(99.9),
    maxMicros: empty ? 0 : histogram.maxValue,
    meanMicros: empty ? 0 : histogram.mean,
  };
}

export interface PercentilePoint {
  /** 0 <= percentile < 100 */
  percentile: number;
  micros: number;
}

/**
 * The percentile distribution as HdrHistogram plots it: points at 0, 50, 75,
 * 87.5, ... (each step halves the distance to 100 %), `ticksPerHalf` points per
 * halving, as far as the sample count resolves (1 / (1 - p) <= count), then
 * the maximum.
 */
export function percentileDistribution(histogram: Histogram, ticksPerHalf = 5): PercentilePoint[] {
  const count = histogram.totalCount;
  if (count === 0) return [];
  const points: PercentilePoint[] = [];
  const resolvable = (percentile: number): boolean => 1 / (1 - percentile / 100) <= count;
  for (let halvings = 0; halvings < 40; halvings++) {
    const remaining = 100 / 2 ** halvings;
    for (let tick = 0; tick < ticksPerHalf; tick++) {
      const percentile = 100 - remaining + (remaining / 2) * (tick / ticksPerHalf);
      if (!resolvable(percentile)) {
        return [...points, { percentile: Math.max(points.at(-1)?.percentile ?? 0, 100 * (1 - 1 / count)), micros: histogram.maxValue }];
      }
      points.push({ percentile, micros: histogram.getValueAtPercentile(percentile) });
    }
  }
  return points;
}
