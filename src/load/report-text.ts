/** The plain-text result `keyhold load` prints to stdout. */
import { describeRun, formatMicros, type LoadReport } from "./report.js";

export function reportText(report: LoadReport): string {
  const { latency } = report;
  const lines = [
    describeRun(report.settings),
    ...(report.interrupted ? ["interrupted: the figures cover the part that ran"] : []),
    `operations   ${report.operations} ok, ${report.failed} failed in ${report.elapsedSeconds.toFixed(2)} s`,
    `throughput   ${report.opsPerSecond.toFixed(1)} ops/s`,
    `latency      p50 ${formatMicros(latency.p50Micros)}  p90 ${formatMicros(latency.p90Micros)}  p99 ${formatMicros(latency.p99Micros)}  p99.9 ${formatMicros(latency.p999Micros)}  max ${formatMicros(latency.maxMicros)}`,
    `server CPU   ${
      report.serverCpu === "unavailable"
        ? "unavailable (metrics endpoint not readable)"
        : `${(report.serverCpu.secondsPerOperation * 1e6).toFixed(1)} µs per operation (${report.serverCpu.seconds.toFixed(2)} s in total)`
    }`,
  ];
  const errors = Object.entries(report.errors).sort(([, a], [, b]) => b - a);
  if (errors.length > 0) lines.push("errors", ...errors.map(([key, count]) => `  ${String(count).padStart(8)}  ${key}`));
  if (report.unmatchedResponses > 0) lines.push(`unmatched stream responses: ${report.unmatchedResponses}`);
  return lines.join("\n") + "\n";
}
