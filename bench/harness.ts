/**
 * A thin layer over tinybench: run a group of tasks in one Bench, then print
 * ops/s and the ratio of each task to the group's baseline, measured in the
 * same run. Figures, not tests.
 */
import { Bench } from "tinybench";

export interface BenchTask {
  name: string;
  fn: () => unknown;
  /** Items one call of `fn` does (a batch): its rate is reported per item, so it compares with one-at-a-time rows. */
  items?: number;
}

export interface BenchRow {
  name: string;
  opsPerSecond: number;
  ratio: number | undefined;
}

/** Milliseconds per task; BENCH_TIME_MS shortens or lengthens every run. */
export const BENCH_TIME_MS = Number(process.env["BENCH_TIME_MS"] ?? 500);

export async function runGroup(title: string, tasks: BenchTask[], baseline?: string): Promise<BenchRow[]> {
  const bench = new Bench({ name: title, time: BENCH_TIME_MS, warmupTime: Math.min(200, BENCH_TIME_MS / 2) });
  for (const task of tasks) bench.add(task.name, task.fn);
  await bench.run();
  const rate = (name: string): number => {
    const result = bench.getTask(name)?.result;
    if (result === undefined || result.state !== "completed") {
      throw new Error(`bench task ${name} did not complete: ${result && "error" in result ? String(result.error) : result?.state}`);
    }
    return result.throughput.mean;
  };
  const perItem = (task: BenchTask): number => rate(task.name) * (task.items ?? 1);
  const baseTask = tasks.find((task) => task.name === baseline);
  if (baseline !== undefined && baseTask === undefined) throw new Error(`bench group ${title} has no baseline task ${baseline}`);
  const base = baseTask === undefined ? undefined : perItem(baseTask);
  const rows = tasks.map((task) => ({
    name: task.name,
    opsPerSecond: perItem(task),
    ratio: base === undefined ? undefined : perItem(task) / base,
  }));
  printRows(title, rows, baseline);
  return rows;
}

export function printRows(title: string, rows: BenchRow[], baseline?: string): void {
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  console.log(`\n${title}${baseline ? ` (ratio against ${baseline})` : ""}`);
  for (const row of rows) {
    const ratio = row.ratio === undefined ? "" : `  ${row.ratio.toFixed(2)}x`;
    console.log(`  ${row.name.padEnd(width)}  ${row.opsPerSecond.toFixed(0).padStart(10)} ops/s${ratio}`);
  }
}

export interface InFlightFigure {
  readonly perSecond: number;
  /** Process CPU (every thread, user + system) per completed call. */
  readonly cpuMicrosPerCall: number;
}

/** Completed calls per second, and CPU per call, with `inFlight` calls always outstanding for `durationMs`. */
export async function inFlightRate(call: () => Promise<unknown>, inFlight: number, durationMs: number): Promise<InFlightFigure> {
  const end = performance.now() + durationMs;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  const used = process.cpuUsage(cpu);
  return { perSecond: done / ((performance.now() - started) / 1000), cpuMicrosPerCall: (used.user + used.system) / done };
}
