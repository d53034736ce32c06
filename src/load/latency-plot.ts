/**
 * The latency-by-percentile plot as an inline SVG, drawn the way
 * HdrHistogram's plotter does: x is 1 / (1 - percentile) on a log scale, so
 * 90 %, 99 %, 99.9 % ... are evenly spaced and the tail gets the room.
 */
import type { PercentilePoint } from "./latency-histogram.js";

const WIDTH = 760;
const HEIGHT = 360;
const MARGIN = { left: 70, right: 20, top: 20, bottom: 50 };

export function latencyPlotSvg(points: readonly PercentilePoint[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const decadesOf = (percentile: number): number => Math.log10(1 / (1 - Math.min(percentile, 99.9999999) / 100));
  const maxDecades = Math.max(2, Math.ceil(Math.max(0, ...points.map((point) => decadesOf(point.percentile)))));
  const maxMillis = niceCeiling(Math.max(0.001, ...points.map((point) => point.micros / 1000)));
  const x = (decades: number): number => MARGIN.left + (decades / maxDecades) * plotWidth;
  const y = (millis: number): number => MARGIN.top + plotHeight - (millis / maxMillis) * plotHeight;

  const parts: string[] = [
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="latency by percentile">`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" class="frame"/>`,
  ];
  for (let decade = 0; decade <= maxDecades; decade++) {
    const label = decade === 0 ? "0%" : `${trimZeros((100 - 100 / 10 ** decade).toFixed(decade))}%`;
    parts.push(`<line x1="${x(decade)}" y1="${MARGIN.top}" x2="${x(decade)}" y2="${MARGIN.top + plotHeight}" class="grid"/>`);
    parts.push(`<text x="${x(decade)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${label}</text>`);
  }
  for (let tick = 0; tick <= 5; tick++) {
    const millis = (maxMillis * tick) / 5;
    parts.push(`<line x1="${MARGIN.left}" y1="${y(millis)}" x2="${MARGIN.left + plotWidth}" y2="${y(millis)}" class="grid"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y(millis) + 4}" text-anchor="end">${trimZeros(millis.toPrecision(3))}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 8}" text-anchor="middle">percentile</text>`);
  parts.push(
    `<text x="16" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})">latency (ms)</text>`,
  );
  if (points.length > 0) {
    const coordinates = points.map((point) => `${x(decadesOf(point.percentile)).toFixed(1)},${y(point.micros / 1000).toFixed(1)}`);
    parts.push(`<polyline points="${coordinates.join(" ")}" class="curve"/>`);
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** The smallest 1, 2 or 5 times a power of ten at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((multiple) => multiple * power >= value) ?? 10;
  return step * power;
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
