/**
 * One load-generating process: prepares the input, runs the loops over
 * unary calls or over `Stream` channels, and tallies latency and outcomes.
 */
import type { Histogram } from "hdr-histogram-js";
import { realClock, type Clock } from "./clock.js";
import { LoadError } from "./load-error.js";
import type { CryptoConnection } from "./connection.js";
import { newLatencyHistogram, recordMillis } from "./latency-histogram.js";
import { prepareBatch, type PreparedBatch } from "./batch-operations.js";
import { runLoops, type LoopPlan, type SendOne } from "./open-loop.js";
import {
  prepareOperation,
  type CryptoRequest,
  type CryptoResponse,
  type KeyRef,
  type LoadOperation,
  type PreparedOperation,
  type UnaryCall,
} from "./operations.js";
import { WRONG_RESULT, errorKey, type ErrorCounts, type Outcome } from "./outcome.js";
import { StreamChannel } from "./stream-channel.js";

/**
 * What a run does. `count` and `rate` count operations, that is items: with `batch` each call carries `batch` items,
 * so a run of `count` items makes ceil(count / batch) calls (the last one shorter) at rate / batch calls per second.
 */
export interface LoadPlan extends LoopPlan {
  op: LoadOperation;
  alg: string;
  key: KeyRef;
  /** Pipeline over `concurrency` Stream calls instead of unary calls. */
  stream: boolean;
  /** Stream mode: requests each stream keeps in flight. */
  window: number;
  /** Items per call, through the batch methods (or batch messages on Stream); absent: one item per call. */
  batch?: number;
}

export interface LoadTally {
  /** Latency of the calls whose every item succeeded, µs (one item per call without --batch). */
  histogram: Histogram;
  /** Successful operations (items). */
  ok: number;
  /** Failed operations (items) by error. */
  errors: ErrorCounts;
  /** Calls finished, whatever their outcome. */
  calls: number;
  /** Stream answers whose id matched no request in flight. */
  unmatched: number;
  /** Stream answers matched to their request by id. */
  matched: number;
  elapsedMs: number;
}

export interface RunDependencies {
  connection: CryptoConnection;
  clock?: Clock;
  /** Stops issuing requests; those in flight still finish. */
  stop?: AbortSignal;
  /** Called after every finished operation, each item of a batch (progress display). */
  onOutcome?: (outcome: Outcome) => void;
  /** Distinguishes this process's Stream ids from other workers' in logs. */
  idPrefix?: string;
}

export async function runLoad(plan: LoadPlan, deps: RunDependencies): Promise<LoadTally> {
  const { connection } = deps;
  const clock = deps.clock ?? realClock;
  const stop = deps.stop ?? new AbortController().signal;
  const prepareCall: UnaryCall = async (request) => {
    const { outcome, response } = await connection.unary(request);
    if (!outcome.ok || response === undefined) {
      throw new LoadError(`preparing ${plan.op}: the ${request.case} call failed with ${outcome.ok ? "no answer" : errorKey(outcome)}`);
    }
    return response;
  };
  const calls =
    plan.batch === undefined
      ? singleCalls(await prepareOperation(plan.op, plan.alg, plan.key, prepareCall))
      : batchCalls(await prepareBatch(plan.op, plan.alg, plan.key, plan.batch, prepareCall), plan.batch, plan.count);

  const histogram = newLatencyHistogram();
  const tally: LoadTally = { histogram, ok: 0, errors: {}, calls: 0, unmatched: 0, matched: 0, elapsedMs: 0 };
  const record = (latencyMillis: number, outcomes: readonly Outcome[]): void => {
    tally.calls++;
    let allOk = true;
    for (const outcome of outcomes) {
      if (outcome.ok) tally.ok++;
      else {
        allOk = false;
        const key = errorKey(outcome);
        tally.errors[key] = (tally.errors[key] ?? 0) + 1;
      }
      deps.onOutcome?.(outcome);
    }
    if (allOk) recordMillis(histogram, latencyMillis);
  };

  const channels = plan.stream
    ? Array.from(
        { length: plan.concurrency },
        (_, index) => new StreamChannel(() => connection.openStream(), `${deps.idPrefix ?? ""}${index}.`, connection.callTimeoutMs),
      )
    : [];
  const send: SendOne<Outcome[]> = plan.stream
    ? async (slot, index) => {
        const channel = channels[slot % channels.length] as StreamChannel;
        const size = calls.size(index);
        const { outcome, response } = await channel.send(calls.request(size));
        return calls.outcomes(outcome, response?.result, size);
      }
    : async (_slot, index) => {
        const size = calls.size(index);
        const { outcome, response } = await connection.unary(calls.request(size));
        return calls.outcomes(outcome, response, size);
      };
  const loops: LoopPlan = { ...plan, concurrency: plan.stream ? plan.concurrency * plan.window : plan.concurrency };
  // The loops count and pace calls; the plan counts and paces items.
  const items = plan.batch ?? 1;
  if (plan.count !== undefined) loops.count = Math.ceil(plan.count / items);
  if (plan.rate !== undefined) loops.rate = plan.rate / items;
  const times = await runLoops(loops, send, record, clock, stop);
  tally.elapsedMs = times.endedAt - times.startedAt;
  await Promise.all(channels.map((channel) => channel.close()));
  for (const channel of channels) {
    tally.unmatched += channel.unmatched;
    tally.matched += channel.matched;
  }
  return tally;
}

/** How the run makes call number `index` and reads its answer, one item per call or a batch of them. */
interface CallShape {
  /** Items in call number `index`. */
  size(index: number): number;
  request(size: number): CryptoRequest;
  /** One outcome per item; a call that failed as a whole fails each of its items with its status. */
  outcomes(outcome: Outcome, response: CryptoResponse | { case: undefined } | undefined, size: number): Outcome[];
}

function singleCalls(prepared: PreparedOperation): CallShape {
  return {
    size: () => 1,
    request: () => prepared.request,
    outcomes(outcome, response) {
      if (!outcome.ok) return [outcome];
      return [
        response !== undefined && response.case !== undefined && prepared.check(response) ? outcome : { ok: false, code: WRONG_RESULT },
      ];
    },
  };
}

function batchCalls(prepared: PreparedBatch, batch: number, count: number | undefined): CallShape {
  return {
    size: (index) => (count === undefined ? batch : Math.min(batch, count - index * batch)),
    request: (size) => prepared.request(size),
    outcomes(outcome, response, size) {
      if (!outcome.ok) return Array.from({ length: size }, () => outcome);
      if (response === undefined || response.case === undefined)
        return Array.from({ length: size }, () => ({ ok: false, code: WRONG_RESULT }));
      return prepared.outcomes(response, size);
    },
  };
}
