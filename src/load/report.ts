/** The result of a load run, as printed, written to --json and drawn in --html. */
import {
  encodeHistogram,
  percentileDistribution,
  summarizeLatency,
  type LatencySummary,
  type PercentilePoint,
} from "./latency-histogram.js";
import type { LoadProtocol } from "./connection.js";
import type { ErrorCounts } from "./outcome.js";
import type { LoadPlan, LoadTally } from "./run.js";
import type { ServerCpu } from "./server-cpu.js";

export interface LoadSettings {
  op: string;
  alg: string;
  key: string;
  /** grpc: CryptoService; rest: the Key Vault REST API of the HTTPS listener (unary only). */
  protocol: LoadProtocol;
  mode: "unary" | "stream";
  concurrency: number;
  /** Stream mode: requests in flight per stream. */
  window?: number;
  /** Items per call (the batch methods); absent: one operation per call. */
  batch?: number;
  /** Operations (items) per second. */
  rate?: number;
  /** Operations (items). */
  count?: number;
  durationSeconds?: number;
  workers: number;
  endpoint: string;
}

export interface LoadReport {
  settings: LoadSettings;
  /** True when Ctrl-C ended the run early. */
  interrupted: boolean;
  elapsedSeconds: number;
  /** Successful operations (with --batch: items). */
  operations: number;
  /** Failed operations (items). */
  failed: number;
  opsPerSecond: number;
  /** Calls made: operations + failed without --batch, about (operations + failed) / batch with it. */
  calls: number;
  callsPerSecond: number;
  /** Per call, of the calls whose every operation succeeded, µs; from the intended send time with --rate. */
  latency: LatencySummary;
  /** By gRPC code name, with the x-error-code trailer when one came. */
  errors: ErrorCounts;
  /** Stream answers whose id matched no request in flight. */
  unmatchedResponses: number;
  serverCpu: ServerCpu;
  distribution: PercentilePoint[];
  /** The latency histogram, HdrHistogram compressed base64 (µs): for merging or re-plotting. */
  histogram: string;
}

export function settingsOf(plan: LoadPlan, workers: number, endpoint: string, protocol: LoadProtocol): LoadSettings {
  const settings: LoadSettings = {
    op: plan.op,
    alg: plan.alg,
    key: plan.key.name,
    protocol,
    mode: plan.stream ? "stream" : "unary",
    concurrency: plan.concurrency,
    workers,
    endpoint,
  };
  if (plan.stream) settings.window = plan.window;
  if (plan.batch !== undefined) settings.batch = plan.batch;
  if (plan.rate !== undefined) settings.rate = plan.rate;
  if (plan.count !== undefined) settings.count = plan.count;
  if (plan.durationMs !== undefined) settings.durationSeconds = plan.durationMs / 1000;
  return settings;
}

export function buildReport(settings: LoadSettings, tally: LoadTally, serverCpu: ServerCpu, interrupted: boolean): LoadReport {
  const elapsedSeconds = tally.elapsedMs / 1000;
  const failed = Object.values(tally.errors).reduce((total, count) => total + count, 0);
  return {
    settings,
    interrupted,
    elapsedSeconds,
    operations: tally.ok,
    failed,
    opsPerSecond: elapsedSeconds > 0 ? tally.ok / elapsedSeconds : 0,
    calls: tally.calls,
    callsPerSecond: elapsedSeconds > 0 ? tally.calls / elapsedSeconds : 0,
    latency: summarizeLatency(tally.histogram),
    errors: { ...tally.errors },
    unmatchedResponses: tally.unmatched,
    serverCpu,
    distribution: percentileDistribution(tally.histogram),
    histogram: encodeHistogram(tally.histogram),
  };
}

/** "1.23 ms", "456 µs", "2.50 s". */
export function formatMicros(micros: number): string {
  if (micros >= 1_000_000) return `${(micros / 1_000_000).toFixed(2)} s`;
  if (micros >= 1000) return `${(micros / 1000).toFixed(2)} ms`;
  return `${Math.round(micros)} µs`;
}

export function describeRun(settings: LoadSettings): string {
  const bound = settings.count !== undefined ? `${settings.count} ops` : `${settings.durationSeconds ?? 0} s`;
  const shape =
    settings.mode === "stream"
      ? `${settings.concurrency} streams x ${settings.window ?? 0} in flight`
      : `concurrency ${settings.concurrency}`;
  const pace = settings.rate === undefined ? "closed loop" : `open loop at ${settings.rate} ops/s`;
  const batch = settings.batch === undefined ? "" : `, batches of ${settings.batch} items per call`;
  const door = settings.protocol === "rest" ? "Key Vault REST " : "";
  return `${settings.op} ${settings.alg} key ${settings.key} -> ${settings.endpoint}: ${door}${settings.mode}${batch}, ${shape}, ${pace}, ${bound}, ${settings.workers} worker process(es)`;
}

/** What one latency sample is: "per call of 64 items" with --batch, else nothing to add. */
export function latencyUnit(settings: LoadSettings): string {
  return settings.batch === undefined ? "" : `per call of ${settings.batch} items`;
}
