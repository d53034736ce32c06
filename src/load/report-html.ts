/**
 * The `--html` report: one self-contained file (inline CSS and SVG, no
 * scripts, fonts or images from anywhere) that can be mailed or archived.
 */
import { latencyPlotSvg } from "./latency-plot.js";
import { describeRun, formatMicros, latencyUnit, type LoadReport } from "./report.js";

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; color: #1d2330; }
h1 { font-size: 1.3rem; } table { border-collapse: collapse; margin: 1rem 0; }
td, th { padding: .25rem .9rem .25rem 0; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 12px system-ui, sans-serif; fill: #3b4252; }
svg .frame { fill: #fbfcfe; stroke: #9aa3b5; } svg .grid { stroke: #e1e5ee; } svg .curve { fill: none; stroke: #2f6fde; stroke-width: 2; }
.note { color: #5c6475; }
`;

export function reportHtml(report: LoadReport): string {
  const { latency } = report;
  const cpu =
    report.serverCpu === "unavailable"
      ? "unavailable"
      : `${(report.serverCpu.secondsPerOperation * 1e6).toFixed(1)} µs per operation (${report.serverCpu.seconds.toFixed(2)} s)`;
  const rows: [string, string][] = [
    ["operations", `${report.operations} ok, ${report.failed} failed`],
    ["elapsed", `${report.elapsedSeconds.toFixed(2)} s`],
    ["throughput", `${report.opsPerSecond.toFixed(1)} ops/s`],
    ...(report.settings.batch === undefined
      ? []
      : ([
          ["batch", `${report.settings.batch} items per call`],
          ["calls", `${report.calls} (${report.callsPerSecond.toFixed(1)} calls/s)`],
        ] as [string, string][])),
    ["p50", formatMicros(latency.p50Micros)],
    ["p90", formatMicros(latency.p90Micros)],
    ["p99", formatMicros(latency.p99Micros)],
    ["p99.9", formatMicros(latency.p999Micros)],
    ["max", formatMicros(latency.maxMicros)],
    ["server CPU", cpu],
  ];
  const errors = Object.entries(report.errors).sort(([, a], [, b]) => b - a);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keyhold load: ${escapeHtml(report.settings.op)} ${escapeHtml(report.settings.alg)}</title>
<style>${STYLE}</style></head>
<body>
<h1>keyhold load</h1>
<p>${escapeHtml(describeRun(report.settings))}</p>
${report.interrupted ? '<p class="note">Interrupted: the figures cover the part that ran.</p>' : ""}
<table>${rows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td class="n">${escapeHtml(value)}</td></tr>`).join("")}</table>
<h2>Latency by percentile</h2>
<p class="note">${report.settings.batch === undefined ? "Successful operations" : `Latency ${escapeHtml(latencyUnit(report.settings))}, of calls whose items all succeeded`}${report.settings.rate === undefined ? "" : ", measured from the intended send time"}; x axis: 1/(1&minus;percentile), log scale.</p>
${latencyPlotSvg(report.distribution)}
${
  errors.length === 0
    ? "<p>No errors.</p>"
    : `<h2>Errors</h2><table>${errors.map(([key, count]) => `<tr><td class="n">${count}</td><td>${escapeHtml(key)}</td></tr>`).join("")}</table>`
}
${report.unmatchedResponses > 0 ? `<p class="note">Unmatched stream responses: ${report.unmatchedResponses}</p>` : ""}
</body></html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
