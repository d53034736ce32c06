/**
 * Server CPU per operation: `process_cpu_seconds_total` (prom-client's
 * process metrics) scraped from the server's metrics endpoint before and
 * after the run. On the same machine the client's own CPU is not in it.
 */

/** The value of an unlabelled sample of `metric` in Prometheus text format, if present. */
export function sampleValue(exposition: string, metric: string): number | undefined {
  for (const line of exposition.split("\n")) {
    if (line.startsWith("#")) continue;
    const [name, value] = line.trim().split(/\s+/);
    if (name === metric && value !== undefined) {
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
  }
  return undefined;
}

export type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; text(): Promise<string> }>;

/** The server's CPU seconds so far, or undefined when the endpoint cannot be read. */
export async function readServerCpuSeconds(metricsUrl: string, fetcher: Fetch = fetch, timeoutMs = 2000): Promise<number | undefined> {
  try {
    const response = await fetcher(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return sampleValue(await response.text(), "process_cpu_seconds_total");
  } catch {
    return undefined;
  }
}

export type ServerCpu = { seconds: number; secondsPerOperation: number } | "unavailable";

export function serverCpuPerOperation(before: number | undefined, after: number | undefined, operations: number): ServerCpu {
  if (before === undefined || after === undefined || operations === 0 || after < before) return "unavailable";
  return { seconds: after - before, secondsPerOperation: (after - before) / operations };
}
