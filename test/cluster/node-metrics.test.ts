/** The primary's views of several nodes' metrics: the sum (what `keyhold load` reads for server CPU) and each node's own. */
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { perNodeMetrics, summedMetrics, type NodeMetrics } from "../../src/cluster/node-metrics.js";
import { sampleValue } from "../../src/load/server-cpu.js";

/** A registry as a node's: a CPU counter, calls by method and a latency histogram. */
async function node(nodeId: string, cpuSeconds: number, signCalls: number, latencies: number[]): Promise<NodeMetrics> {
  const registry = new Registry();
  new Counter({ name: "process_cpu_seconds_total", help: "cpu", registers: [registry] }).inc(cpuSeconds);
  new Counter({ name: "keyhold_rpc_calls_total", help: "calls", labelNames: ["method"], registers: [registry] }).inc(
    { method: "Sign" },
    signCalls,
  );
  const histogram = new Histogram({ name: "keyhold_rpc_duration_seconds", help: "latency", buckets: [0.001, 0.01], registers: [registry] });
  for (const seconds of latencies) histogram.observe(seconds);
  return { nodeId, metrics: await registry.getMetricsAsJSON() };
}

describe("metrics of several nodes", () => {
  it("adds counters and histogram buckets over the nodes in the summed view", async () => {
    const nodes = [await node("kh-1", 1.5, 7, [0.0005, 0.005]), await node("kh-2", 2.25, 5, [0.05])];
    const text = await summedMetrics(nodes);
    expect(sampleValue(text, "process_cpu_seconds_total")).toBe(3.75);
    expect(text).toMatch(/^keyhold_rpc_calls_total\{method="Sign"\} 12$/m);
    expect(text).toMatch(/^keyhold_rpc_duration_seconds_bucket\{le="0.001"\} 1$/m);
    expect(text).toMatch(/^keyhold_rpc_duration_seconds_bucket\{le="0.01"\} 2$/m);
    expect(text).toMatch(/^keyhold_rpc_duration_seconds_count 3$/m);
  });

  it("keeps each node's series apart, labelled with its node id, in the per-node view", async () => {
    const text = await perNodeMetrics([await node("kh-1", 1.5, 7, []), await node("kh-2", 2.25, 5, [])]);
    expect(text).toMatch(/^process_cpu_seconds_total\{node="kh-1"\} 1.5$/m);
    expect(text).toMatch(/^process_cpu_seconds_total\{node="kh-2"\} 2.25$/m);
    expect(text).toMatch(/^keyhold_rpc_calls_total\{method="Sign",node="kh-2"\} 5$/m);
    // No unlabelled sum here: a scraper summing by node would count it twice.
    expect(sampleValue(text, "process_cpu_seconds_total")).toBeUndefined();
  });
});
