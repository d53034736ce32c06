import { describe, expect, it } from "vitest";
import { newLatencyHistogram, recordMillis } from "../../src/load/latency-histogram.js";
import { buildReport, type LoadSettings } from "../../src/load/report.js";
import { escapeHtml, reportHtml } from "../../src/load/report-html.js";
import { reportText } from "../../src/load/report-text.js";
import { readServerCpuSeconds, sampleValue, serverCpuPerOperation } from "../../src/load/server-cpu.js";

const SETTINGS: LoadSettings = {
  op: "sign",
  alg: "PS256",
  key: "<script>k</script>",
  protocol: "grpc",
  mode: "unary",
  concurrency: 64,
  rate: 2000,
  durationSeconds: 30,
  workers: 2,
  endpoint: "127.0.0.1:7443",
};

function sampleReport() {
  const histogram = newLatencyHistogram();
  for (let index = 1; index <= 2000; index++) recordMillis(histogram, index / 100);
  return buildReport(
    SETTINGS,
    { histogram, ok: 2000, errors: { "PERMISSION_DENIED (ForbiddenByRbac)": 3 }, calls: 2003, unmatched: 0, matched: 0, elapsedMs: 4000 },
    { seconds: 1, secondsPerOperation: 0.0005 },
    false,
  );
}

describe("load report", () => {
  it("computes throughput, failures and CPU per operation", () => {
    const report = sampleReport();
    expect(report.opsPerSecond).toBe(500);
    expect(report.failed).toBe(3);
    expect(serverCpuPerOperation(10, 12, 4000)).toEqual({ seconds: 2, secondsPerOperation: 0.0005 });
    expect(serverCpuPerOperation(undefined, 12, 4000)).toBe("unavailable");
    expect(serverCpuPerOperation(10, 12, 0)).toBe("unavailable");
  });

  it("prints percentiles, errors by code and server CPU as text", () => {
    const text = reportText(sampleReport());
    expect(text).toMatch(/throughput\s+500\.0 ops\/s/);
    expect(text).toMatch(/p50 10\.\d\d ms\s+p90 18\.\d\d ms\s+p99 19\.\d\d ms/);
    expect(text).toMatch(/3\s+PERMISSION_DENIED \(ForbiddenByRbac\)/);
    expect(text).toMatch(/500\.0 µs per operation/);
    expect(reportText({ ...sampleReport(), serverCpu: "unavailable" })).toMatch(/server CPU\s+unavailable/);
  });

  it("writes a self-contained HTML page with the SVG latency plot", () => {
    const html = reportHtml(sampleReport());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    expect(svg).toMatch(/<polyline points="[\d., ]+"/);
    expect(svg).toContain(">99.9%<");
    expect(html).toContain("&#60;script&#62;k&#60;/script&#62;");
    expect(escapeHtml(`"'&`)).toBe("&#34;&#39;&#38;");
  });

  it("reads process_cpu_seconds_total and says unavailable when it cannot", async () => {
    const exposition =
      "# HELP process_cpu_seconds_total x\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\nprocess_cpu_user_seconds_total 10\n";
    expect(sampleValue(exposition, "process_cpu_seconds_total")).toBe(12.5);
    expect(sampleValue("other 1\n", "process_cpu_seconds_total")).toBeUndefined();
    const answering = async () => ({ ok: true, text: async () => exposition });
    expect(await readServerCpuSeconds("http://metrics", answering)).toBe(12.5);
    const refusing = async () => Promise.reject(new Error("ECONNREFUSED"));
    expect(await readServerCpuSeconds("http://metrics", refusing)).toBeUndefined();
    expect(await readServerCpuSeconds("http://metrics", async () => ({ ok: false, text: async () => "" }))).toBeUndefined();
  });
});
