import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { newLatencyHistogram, recordMillis, summarizeLatency } from "../../src/load/latency-histogram.js";
import type { LoadPlan } from "../../src/load/run.js";
import { shares, splitPlan } from "../../src/load/split-plan.js";
import { toWire } from "../../src/load/tally-wire.js";
import type { FromWorker, ToWorker } from "../../src/load/worker-messages.js";
import { runInWorkers } from "../../src/load/workers.js";

const PLAN: LoadPlan = { op: "sign", alg: "ES256", key: { name: "k" }, stream: false, window: 32, concurrency: 10, rate: 1000, count: 101 };

/** A child process that answers its start message with `latencies` as its run. */
function fakeChild(latencies: number[], received: ToWorker[]): ChildProcess {
  const child = new EventEmitter() as EventEmitter & {
    connected: boolean;
    exitCode: number | null;
    send(message: ToWorker): boolean;
    kill(): boolean;
  };
  child.connected = true;
  child.exitCode = null;
  child.kill = () => true;
  child.send = (message) => {
    received.push(message);
    if (message.type === "start") {
      setImmediate(() => {
        const histogram = newLatencyHistogram();
        for (const millis of latencies) recordMillis(histogram, millis);
        const reply = (reply: FromWorker): boolean => child.emit("message", reply);
        reply({ type: "progress", done: latencies.length });
        reply({
          type: "result",
          tally: toWire({
            histogram,
            ok: latencies.length,
            errors: { INTERNAL: 1 },
            calls: latencies.length + 1,
            unmatched: 0,
            matched: 0,
            elapsedMs: 10 * latencies.length,
          }),
        });
        child.exitCode = 0;
        child.emit("exit", 0, null);
      });
    }
    return true;
  };
  return child as unknown as ChildProcess;
}

describe("--workers", () => {
  it("splits concurrency, count and rate so the totals are kept", () => {
    const parts = splitPlan(PLAN, 3);
    expect(parts.map((part) => part.concurrency)).toEqual([4, 3, 3]);
    expect(parts.map((part) => part.count)).toEqual([34, 34, 33]);
    expect(parts.reduce((total, part) => total + (part.rate ?? 0), 0)).toBeCloseTo(1000, 9);
    expect(parts[0]?.rate).toBeCloseTo(400, 9);
    expect(shares(5, 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it("refuses more workers than loops, naming --workers", () => {
    expect(() => splitPlan(PLAN, 11)).toThrow(/--workers/);
    expect(() => splitPlan({ ...PLAN, count: 2 }, 3)).toThrow(/--workers/);
  });

  it("sends each child its share and merges their histograms and counts", async () => {
    const received: ToWorker[][] = [[], []];
    const runs = [
      [1, 2, 3],
      [50, 60],
    ];
    const progress: number[] = [];
    const tally = await runInWorkers({
      plan: { ...PLAN, concurrency: 4 },
      workers: 2,
      connection: { endpoint: "127.0.0.1:1", insecure: true, token: "t" },
      launch: (index) => fakeChild(runs[index]!, received[index]!),
      onProgress: (done) => progress.push(done),
    });
    expect(received.map((messages) => messages[0]?.type === "start" && messages[0].plan.concurrency)).toEqual([2, 2]);
    expect(received.map((messages) => messages[0]?.type === "start" && messages[0].idPrefix)).toEqual(["w0.", "w1."]);
    expect(tally.ok).toBe(5);
    expect(tally.errors).toEqual({ INTERNAL: 2 });
    expect(tally.elapsedMs).toBe(30);
    expect(tally.histogram.totalCount).toBe(5);
    expect(summarizeLatency(tally.histogram).maxMicros).toBeGreaterThanOrEqual(59_990);
    expect(progress.at(-1)).toBe(5);
  });

  it("fails when a child exits without a result", async () => {
    const silent = (): ChildProcess => {
      const child = new EventEmitter() as EventEmitter & { connected: boolean; exitCode: number | null; send(): boolean; kill(): boolean };
      child.connected = true;
      child.exitCode = null;
      child.kill = () => true;
      child.send = () => {
        setImmediate(() => child.emit("exit", 1, null));
        return true;
      };
      return child as unknown as ChildProcess;
    };
    await expect(
      runInWorkers({ plan: PLAN, workers: 1, connection: { endpoint: "127.0.0.1:1", insecure: true }, launch: silent }),
    ).rejects.toThrow(/worker 0 exited/);
  });
});
