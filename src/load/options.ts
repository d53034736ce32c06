/**
 * `keyhold load` options as typed, checked values: every bad value is a
 * BadParameter naming its flag before anything is sent.
 */
import { badParameter } from "../errors.js";
import { requireFlag, wholeNumberFlag } from "../cli/client-options.js";
import { parseServerTarget } from "../config/server-target.js";
import { MAX_BATCH_ITEMS } from "../batch-limit.js";
import { LOAD_PROTOCOLS, type LoadProtocol } from "./connection.js";
import { checkAlgorithm, parseLoadOperation } from "./operations.js";
import { parseRestEndpoint } from "./rest-connection.js";
import type { LoadPlan } from "./run.js";

export interface RawLoadOptions {
  /** grpc (the default) or rest. */
  protocol?: string;
  op?: string;
  alg?: string;
  key?: string;
  keyVersion?: string;
  stream?: boolean;
  concurrency: string;
  window: string;
  rate?: string;
  workers: string;
  duration?: string;
  count?: string;
  batch?: string;
  endpoint: string;
}

/** Requests in flight per Stream when --window is not given. */
export const DEFAULT_STREAM_WINDOW = 32;
/** Upper bounds that keep a typo from forking 10,000 processes or opening 10^6 loops. */
const MAX_CONCURRENCY = 10_000;
const MAX_WORKERS = 64;

export function loadPlanFromOptions(raw: RawLoadOptions): { plan: LoadPlan; workers: number; protocol: LoadProtocol } {
  const protocol = parseProtocol(raw.protocol);
  const op = parseLoadOperation(requireFlag("--op", raw.op));
  const alg = requireFlag("--alg", raw.alg);
  checkAlgorithm(op, alg);
  const name = requireFlag("--key", raw.key);
  if (protocol === "rest") {
    // The Key Vault REST API has one call per operation: no Stream, no batch methods.
    if (raw.stream === true)
      throw badParameter("--stream", "is gRPC only: the Key Vault REST API has no stream (drop it or use --protocol grpc)");
    if (raw.batch !== undefined)
      throw badParameter("--batch", "is gRPC only: the Key Vault REST API has no batch calls (drop it or use --protocol grpc)");
    parseRestEndpoint(raw.endpoint);
  } else {
    parseServerTarget(raw.endpoint);
  }
  if (raw.duration === undefined && raw.count === undefined)
    throw badParameter("--duration", "give --duration (e.g. 30s) or --count N to bound the run");
  const plan: LoadPlan = {
    op,
    alg,
    key: raw.keyVersion ? { name, version: raw.keyVersion } : { name },
    stream: raw.stream === true,
    concurrency: wholeNumberFlag("--concurrency", raw.concurrency, 1, MAX_CONCURRENCY),
    window: wholeNumberFlag("--window", raw.window, 1, 10_000),
  };
  if (raw.batch !== undefined) plan.batch = wholeNumberFlag("--batch", raw.batch, 1, MAX_BATCH_ITEMS);
  if (raw.rate !== undefined) plan.rate = positiveNumber(raw.rate, "--rate");
  if (raw.count !== undefined) plan.count = wholeNumberFlag("--count", raw.count, 1, Number.MAX_SAFE_INTEGER);
  if (raw.duration !== undefined) plan.durationMs = parseDurationMs(raw.duration, "--duration");
  return { plan, workers: wholeNumberFlag("--workers", raw.workers, 1, MAX_WORKERS), protocol };
}

function parseProtocol(text: string | undefined): LoadProtocol {
  const value = (text ?? "grpc").trim().toLowerCase();
  const found = LOAD_PROTOCOLS.find((protocol) => protocol === value);
  if (found === undefined) throw badParameter("--protocol", `must be one of ${LOAD_PROTOCOLS.join(", ")}`);
  return found;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "500ms", "2m", "1h"; a bare number is seconds. */
export function parseDurationMs(text: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const millis = match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? "s"] ?? 1000) : NaN;
  if (!(millis >= 1 && millis <= 24 * 3_600_000)) throw badParameter(field, "must be a duration such as 30s, 500ms or 2m (at most 24h)");
  return millis;
}

function positiveNumber(text: string, field: string): number {
  const value = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value > 0 && value <= 10_000_000)) throw badParameter(field, "must be a positive number of operations per second");
  return value;
}
