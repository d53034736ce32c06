/**
 * The load loops. Closed loop (no rate): `concurrency` loops each send the
 * next request as soon as the previous one answered; latency runs from the
 * actual send. Open loop (`rate`): one schedule of intended send times
 * start + k / rate shared by the loops, and latency runs from the INTENDED
 * time, as wrk2 does: when the server stalls, the requests that were due
 * during the stall are sent late and their latency includes the wait, so
 * coordinated omission cannot hide it (Gil Tene, "How NOT to Measure Latency").
 */
import type { Clock } from "./clock.js";
import type { Outcome } from "./outcome.js";

export interface LoopPlan {
  /** Requests in flight at most (loops). */
  concurrency: number;
  /** Ops per second for the open loop; absent: closed loop. */
  rate?: number;
  /** Stop after this many requests. */
  count?: number;
  /** Stop issuing requests due after this many milliseconds. */
  durationMs?: number;
}

/** Sends request number `index` (0, 1, ... in issue order) from loop `slot` (0 <= slot < concurrency). */
export type SendOne<Result = Outcome> = (slot: number, index: number) => Promise<Result>;

/** Called once per finished request with its latency in milliseconds. */
export type RecordOutcome<Result = Outcome> = (latencyMillis: number, result: Result) => void;

export interface LoopTimes {
  startedAt: number;
  endedAt: number;
  issued: number;
}

export async function runLoops<Result>(
  plan: LoopPlan,
  send: SendOne<Result>,
  record: RecordOutcome<Result>,
  clock: Clock,
  stop: AbortSignal,
): Promise<LoopTimes> {
  const startedAt = clock.now();
  const deadline = plan.durationMs === undefined ? Infinity : startedAt + plan.durationMs;
  const interval = plan.rate === undefined ? undefined : 1000 / plan.rate;
  let issued = 0;

  /** The next request's number and intended send time, or undefined when the run is over. */
  const nextRequest = (): { index: number; intended: number } | undefined => {
    if (stop.aborted || (plan.count !== undefined && issued >= plan.count)) return undefined;
    const intended = interval === undefined ? clock.now() : startedAt + issued * interval;
    if (intended >= deadline) return undefined;
    return { index: issued++, intended };
  };

  const loop = async (slot: number): Promise<void> => {
    for (let next = nextRequest(); next !== undefined; next = nextRequest()) {
      if (interval !== undefined) {
        await clock.sleepUntil(next.intended, stop);
        if (stop.aborted) return;
      }
      const sentAt = clock.now();
      const result = await send(slot, next.index);
      record(clock.now() - (interval === undefined ? sentAt : next.intended), result);
    }
  };

  await Promise.all(Array.from({ length: plan.concurrency }, (_, slot) => loop(slot)));
  return { startedAt, endedAt: clock.now(), issued };
}
