import { afterEach, describe, expect, it } from "vitest";
import { createServerMetrics } from "../../src/metrics/metrics.js";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/metrics-server.js";
import { sampleValue } from "../../src/load/server-cpu.js";

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("server metrics", () => {
  it("serves the registry on GET /metrics with calls, latency, queue depth and process CPU", async () => {
    let depth = 7;
    const metrics = createServerMetrics({ poolQueueDepth: () => depth });
    metrics.rpc.observe("Sign", "OK", 0.0003);
    metrics.rpc.observe("Sign", "OK", 0.002);
    metrics.rpc.observe("Sign", "NOT_FOUND", 0.0001);
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry: metrics.registry });
    expect(server.address.port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${server.address.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const body = await response.text();
    expect(body).toMatch(/^keyhold_rpc_calls_total\{method="Sign",code="OK"\} 2$/m);
    expect(body).toMatch(/^keyhold_rpc_calls_total\{method="Sign",code="NOT_FOUND"\} 1$/m);
    expect(body).toMatch(/^keyhold_rpc_duration_seconds_count\{method="Sign"\} 3$/m);
    expect(body).toMatch(/^keyhold_rpc_duration_seconds_bucket\{le="0\.0001",method="Sign"\} 1$/m);
    expect(body).toMatch(/^keyhold_rpc_duration_seconds_bucket\{le="5",method="Sign"\} 3$/m);
    expect(body).toMatch(/^keyhold_pool_queue_depth 7$/m);
    expect(sampleValue(body, "process_cpu_seconds_total")).toBeGreaterThan(0);

    depth = 2;
    const again = await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
    expect(again).toMatch(/^keyhold_pool_queue_depth 2$/m);
  });

  it("answers 404 for any other path and 405 for other methods", async () => {
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry: createServerMetrics({ processMetrics: false }).registry });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${base}/metrics?name[]=x`)).status).toBe(200);
  });

  it("keeps two registries apart", () => {
    const one = createServerMetrics({ processMetrics: false });
    const two = createServerMetrics({ processMetrics: false });
    one.rpc.observe("Verify", "OK", 0.001);
    return Promise.all([one.registry.metrics(), two.registry.metrics()]).then(([first, second]) => {
      expect(first).toMatch(/keyhold_rpc_calls_total\{method="Verify",code="OK"\} 1/);
      expect(second).not.toMatch(/method="Verify"/);
    });
  });
});
