/**
 * One load-generating process: prepares the input, runs the loops over
 * unary calls or over `Stream` channels, and tallies latency and outcomes.
 */
import type { Histogram } from "hdr-histogram-js";
import { realClock, type Clock } from "./clock.js";
import { LoadError } from "./load-error.js";
import type { CryptoConnection } from "./connection.js";
import { newLatencyHistogram, recordMillis } from "./latency-histogram.js";
import { runLoops, type LoopPlan, type SendOne } from "./open-loop.js";
import { prepareOperation, type CryptoResponse, type KeyRef, type LoadOperation, type PreparedOperation } from "./operations.js";
import { WRONG_RESULT, errorKey, type ErrorCounts, type Outcome } from "./outcome.js";
import { StreamChannel } from "./stream-channel.js";

export interface LoadPlan extends LoopPlan {
  op: LoadOperation;
  alg: string;
  key: KeyRef;
  /** Pipeline over `concurrency` Stream calls instead of unary calls. */
  stream: boolean;
  /** Stream mode: requests each stream keeps in flight. */
  window: number;
}

export interface LoadTally {
  /** Latency of the successful operations, µs. */
  histogram: Histogram;
  ok: number;
  errors: ErrorCounts;
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
  /** Called after every finished operation (progress display). */
  onOutcome?: (outcome: Outcome) => void;
  /** Distinguishes this process's Stream ids from other workers' in logs. */
  idPrefix?: string;
}

export async function runLoad(plan: LoadPlan, deps: RunDependencies): Promise<LoadTally> {
  const { connection } = deps;
  const clock = deps.clock ?? realClock;
  const stop = deps.stop ?? new AbortController().signal;
  const prepared = await prepareOperation(plan.op, plan.alg, plan.key, async (request) => {
    const { outcome, response } = await connection.unary(request);
    if (!outcome.ok || response === undefined) {
      throw new LoadError(`preparing ${plan.op}: the ${request.case} call failed with ${outcome.ok ? "no answer" : errorKey(outcome)}`);
    }
    return response;
  });

  const histogram = newLatencyHistogram();
  const tally: LoadTally = { histogram, ok: 0, errors: {}, unmatched: 0, matched: 0, elapsedMs: 0 };
  const record = (latencyMillis: number, outcome: Outcome): void => {
    if (outcome.ok) {
      tally.ok++;
      recordMillis(histogram, latencyMillis);
    } else {
      const key = errorKey(outcome);
      tally.errors[key] = (tally.errors[key] ?? 0) + 1;
    }
    deps.onOutcome?.(outcome);
  };

  const channels = plan.stream
    ? Array.from(
        { length: plan.concurrency },
        (_, index) => new StreamChannel(() => connection.openStream(), `${deps.idPrefix ?? ""}${index}.`, connection.callTimeoutMs),
      )
    : [];
  const send: SendOne = plan.stream
    ? async (slot) => {
        const channel = channels[slot % channels.length] as StreamChannel;
        const { outcome, response } = await channel.send(prepared.request);
        return checked(prepared, outcome, response?.result);
      }
    : async () => {
        const { outcome, response } = await connection.unary(prepared.request);
        return checked(prepared, outcome, response);
      };
  const loops: LoopPlan = { ...plan, concurrency: plan.stream ? plan.concurrency * plan.window : plan.concurrency };
  const times = await runLoops(loops, send, record, clock, stop);
  tally.elapsedMs = times.endedAt - times.startedAt;
  await Promise.all(channels.map((channel) => channel.close()));
  for (const channel of channels) {
    tally.unmatched += channel.unmatched;
    tally.matched += channel.matched;
  }
  return tally;
}

function checked(prepared: PreparedOperation, outcome: Outcome, response: CryptoResponse | { case: undefined } | undefined): Outcome {
  if (!outcome.ok) return outcome;
  return response !== undefined && response.case !== undefined && prepared.check(response) ? outcome : { ok: false, code: WRONG_RESULT };
}
