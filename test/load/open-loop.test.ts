import { describe, expect, it } from "vitest";
import { newLatencyHistogram, recordMillis, summarizeLatency } from "../../src/load/latency-histogram.js";
import { runLoops, type LoopPlan, type SendOne } from "../../src/load/open-loop.js";
import type { Outcome } from "../../src/load/outcome.js";
import { VirtualClock } from "./helpers/virtual-clock.js";

const SERVICE_MS = 1;
const STALL = { from: 100, to: 300 };

/** A server that answers in 1 ms, except that nothing finishes between 100 and 300 ms. */
function stalledServer(clock: VirtualClock): SendOne {
  return async () => {
    const now = clock.now();
    const start = now >= STALL.from && now < STALL.to ? STALL.to : now;
    await clock.sleepUntil(start + SERVICE_MS, new AbortController().signal);
    return { ok: true };
  };
}

async function measure(plan: LoopPlan, stop = new AbortController().signal) {
  const clock = new VirtualClock();
  const latencies: number[] = [];
  const histogram = newLatencyHistogram();
  const times = await clock.run(
    runLoops(
      plan,
      stalledServer(clock),
      (millis: number, outcome: Outcome) => {
        expect(outcome.ok).toBe(true);
        latencies.push(millis);
        recordMillis(histogram, millis);
      },
      clock,
      stop,
    ),
  );
  return { latencies, summary: summarizeLatency(histogram), times };
}

describe("open-loop scheduler", () => {
  it("measures from the intended send time, so requests due during a stall carry the stall", async () => {
    // 500 ops/s for one second: one request due every 2 ms, 100 of them during the 200 ms stall.
    const { latencies, summary } = await measure({ concurrency: 4, rate: 500, durationMs: 1000 });
    expect(latencies).toHaveLength(500);
    const stalled = latencies.filter((millis) => millis >= 100);
    // Requests due at 100, 102, ... 198 ms wait until 300 ms: at least 100 ms each.
    expect(stalled.length).toBeGreaterThanOrEqual(50);
    expect(summary.maxMicros).toBeGreaterThanOrEqual(200_000);
    expect(summary.p90Micros).toBeGreaterThanOrEqual(90_000);
    expect(summary.p50Micros).toBeLessThan(5_000);
  });

  it("shows what a closed loop would hide: there only the few requests in flight see the stall", async () => {
    const { latencies, summary } = await measure({ concurrency: 4, durationMs: 1000 });
    expect(latencies.filter((millis) => millis >= 100)).toHaveLength(4);
    expect(summary.p99Micros).toBeLessThan(5_000);
  });

  it("keeps to the rate when the server keeps up", async () => {
    const { latencies, times } = await measure({ concurrency: 2, rate: 200, durationMs: 50 });
    expect(latencies).toHaveLength(10);
    expect(latencies.every((millis) => millis === SERVICE_MS)).toBe(true);
    expect(times.endedAt - times.startedAt).toBeCloseTo(46, 5);
  });

  it("stops after --count requests", async () => {
    const { latencies } = await measure({ concurrency: 3, rate: 1000, count: 7 });
    expect(latencies).toHaveLength(7);
  });

  it("stops issuing when stopped and still records what was in flight", async () => {
    const stop = new AbortController();
    const clock = new VirtualClock();
    let finished = 0;
    const send: SendOne = async () => {
      await clock.sleepUntil(clock.now() + SERVICE_MS, new AbortController().signal);
      if (clock.now() >= 20) stop.abort();
      return { ok: true };
    };
    await clock.run(runLoops({ concurrency: 1, rate: 100, durationMs: 10_000 }, send, () => void finished++, clock, stop.signal));
    // Due at 0, 10 and 20 ms; the one finishing after 20 ms stops the run.
    expect(finished).toBe(3);
  });
});
