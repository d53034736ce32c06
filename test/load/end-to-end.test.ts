import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConnection, type ConnectionOptions } from "../../src/load/connection.js";
import { executeLoad } from "../../src/load/execute.js";
import type { LoadReport } from "../../src/load/report.js";
import { runLoad, type LoadPlan } from "../../src/load/run.js";
import { createServerMetrics } from "../../src/metrics/metrics.js";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/metrics-server.js";
import { EC_FIXTURES } from "../helpers/keys.js";
import { SILENT_KEY, startTestCryptoServer, type TestCryptoServer } from "./helpers/crypto-server.js";

const metrics = createServerMetrics();
let server: TestCryptoServer;
let metricsServer: MetricsServer;
let connectionOptions: ConnectionOptions;
let directory: string;

beforeAll(async () => {
  server = await startTestCryptoServer({ signer: EC_FIXTURES["P-256"] }, { metrics: metrics.rpc, jitterMs: 3 });
  metricsServer = await startMetricsServer({ host: "127.0.0.1", port: 0, registry: metrics.registry });
  connectionOptions = { endpoint: server.endpoint, insecure: true, token: "test-token", hsmName: "dev" };
  directory = await mkdtemp(join(tmpdir(), "keyhold-load-"));
});

afterAll(async () => {
  await server.close();
  await metricsServer.close();
  await rm(directory, { recursive: true, force: true });
});

const SIGN: LoadPlan = { op: "sign", alg: "ES256", key: { name: "signer" }, stream: false, concurrency: 8, window: 16, count: 200 };

async function run(plan: LoadPlan) {
  const connection = openConnection(connectionOptions);
  try {
    return await runLoad(plan, { connection });
  } finally {
    connection.close();
  }
}

describe("keyhold load against an in-process CryptoService", () => {
  it("runs unary signs to the count with the caller's metadata on every call", async () => {
    const before = server.seen.length;
    const tally = await run(SIGN);
    expect(tally.ok).toBe(200);
    expect(tally.errors).toEqual({});
    expect(tally.histogram.totalCount).toBe(200);
    const calls = server.seen.slice(before);
    expect(calls).toHaveLength(200);
    expect(
      calls.every((metadata) => metadata.get("authorization")[0] === "Bearer test-token" && metadata.get("x-hsm-name")[0] === "dev"),
    ).toBe(true);
  });

  it("pipelines over Stream calls and matches every answer to its request by id", async () => {
    const before = server.seen.length;
    const tally = await run({ ...SIGN, stream: true, concurrency: 2, window: 16, count: 300 });
    expect(tally.ok).toBe(300);
    expect(tally.errors).toEqual({});
    expect(tally.matched).toBe(300);
    expect(tally.unmatched).toBe(0);
    // Two streams, plus nothing else: the windows shared them.
    expect(server.seen.length - before).toBe(2);
  });

  it("counts failures by gRPC code and x-error-code, unary and streamed", async () => {
    const missing = { ...SIGN, key: { name: "missing" }, count: 40 };
    expect(await run(missing)).toMatchObject({ ok: 0, errors: { "NOT_FOUND (KeyNotFound)": 40 } });
    expect(await run({ ...missing, stream: true, concurrency: 1 })).toMatchObject({
      ok: 0,
      errors: { "NOT_FOUND (KeyNotFound)": 40 },
      unmatched: 0,
    });
  });

  it("reports text, JSON and HTML with server CPU per operation from the metrics endpoint", async () => {
    const printed: string[] = [];
    const jsonFile = join(directory, "load.json");
    const htmlFile = join(directory, "load.html");
    const report = await executeLoad({
      plan: { ...SIGN, rate: 2000, count: 100 },
      workers: 1,
      connection: connectionOptions,
      metricsUrl: `http://127.0.0.1:${metricsServer.address.port}/metrics`,
      jsonFile,
      htmlFile,
      stop: new AbortController().signal,
      write: (text) => printed.push(text),
      progress: false,
    });
    expect(report.operations).toBe(100);
    expect(report.serverCpu).not.toBe("unavailable");
    expect(printed.join("")).toMatch(/100 ok, 0 failed/);
    expect(printed.join("")).toMatch(/µs per operation/);
    const json = JSON.parse(await readFile(jsonFile, "utf8")) as LoadReport;
    expect(json.operations).toBe(100);
    expect(json.settings).toMatchObject({ op: "sign", alg: "ES256", rate: 2000, count: 100, mode: "unary" });
    expect(await readFile(htmlFile, "utf8")).toContain("<svg");
    const exposition = await metrics.registry.metrics();
    expect(exposition).toMatch(/keyhold_rpc_calls_total\{method="Sign",code="OK"\} \d+/);
  });

  it("fails Stream items that get no answer within the call timeout instead of waiting forever", async () => {
    const connection = openConnection({ ...connectionOptions, callTimeoutMs: 100 });
    const tally = await runLoad(
      { ...SIGN, key: { name: SILENT_KEY }, stream: true, concurrency: 1, window: 4, count: 8 },
      { connection },
    ).finally(() => connection.close());
    expect(tally).toMatchObject({ ok: 0, errors: { DEADLINE_EXCEEDED: 8 }, unmatched: 0 });
  });

  it("stops issuing on interrupt and reports what finished, as Ctrl-C does", async () => {
    const stop = new AbortController();
    const connection = openConnection(connectionOptions);
    let finished = 0;
    const tally = await runLoad(
      { ...SIGN, count: undefined, durationMs: 600_000 },
      {
        connection,
        stop: stop.signal,
        onOutcome: () => {
          if (++finished === 50) stop.abort();
        },
      },
    ).finally(() => connection.close());
    // The 8 loops each finish the request they had in flight, then stop.
    expect(tally.ok).toBeGreaterThanOrEqual(50);
    expect(tally.ok).toBeLessThanOrEqual(50 + SIGN.concurrency);
    expect(tally.histogram.totalCount).toBe(tally.ok);
  });

  it("says unavailable when the metrics endpoint cannot be read", async () => {
    const report = await executeLoad({
      plan: { ...SIGN, count: 10 },
      workers: 1,
      connection: connectionOptions,
      metricsUrl: "http://127.0.0.1:1/metrics",
      stop: new AbortController().signal,
      write: () => undefined,
      progress: false,
    });
    expect(report.operations).toBe(10);
    expect(report.serverCpu).toBe("unavailable");
  });
});
