/** The plain-text result `keyhold load` prints to stdout. */
import { describeRun, formatMicros, latencyUnit, type LoadReport } from "./report.js";

export function reportText(report: LoadReport): string {
  const { latency } = report;
  const batched = report.settings.batch !== undefined;
  const lines = [
    describeRun(report.settings),
    ...(report.interrupted ? ["interrupted: the figures cover the part that ran"] : []),
    `operations   ${report.operations} ok, ${report.failed} failed in ${report.elapsedSeconds.toFixed(2)} s${batched ? ` (items, in ${report.calls} calls)` : ""}`,
    `throughput   ${report.opsPerSecond.toFixed(1)} ops/s${batched ? ` (items), ${report.callsPerSecond.toFixed(1)} calls/s` : ""}`,
    `latency      ${batched ? `${latencyUnit(report.settings)}: ` : ""}p50 ${formatMicros(latency.p50Micros)}  p90 ${formatMicros(latency.p90Micros)}  p99 ${formatMicros(latency.p99Micros)}  p99.9 ${formatMicros(latency.p999Micros)}  max ${formatMicros(latency.maxMicros)}`,
    `server CPU   ${
      report.serverCpu === "unavailable"
        ? "unavailable (metrics endpoint not readable)"
        : `${(report.serverCpu.secondsPerOperation * 1e6).toFixed(1)} µs per operation${batched ? " (item)" : ""} (${report.serverCpu.seconds.toFixed(2)} s in total)`
    }`,
  ];
  const errors = Object.entries(report.errors).sort(([, a], [, b]) => b - a);
  if (errors.length > 0) lines.push("errors", ...errors.map(([key, count]) => `  ${String(count).padStart(8)}  ${key}`));
  if (report.unmatchedResponses > 0) lines.push(`unmatched stream responses: ${report.unmatchedResponses}`);
  return lines.join("\n") + "\n";
}
