/**
 * A thin layer over tinybench: run a group of tasks in one Bench, then print
 * ops/s and the ratio of each task to the group's baseline, measured in the
 * same run. Figures, not tests.
 */
import { Bench } from "tinybench";

export interface BenchTask {
  name: string;
  fn: () => unknown;
}

export interface BenchRow {
  name: string;
  opsPerSecond: number;
  ratio: number | undefined;
}

/** Milliseconds per task; BENCH_TIME_MS shortens or lengthens every run. */
const TIME_MS = Number(process.env["BENCH_TIME_MS"] ?? 500);

export async function runGroup(title: string, tasks: BenchTask[], baseline?: string): Promise<BenchRow[]> {
  const bench = new Bench({ name: title, time: TIME_MS, warmupTime: Math.min(200, TIME_MS / 2) });
  for (const task of tasks) bench.add(task.name, task.fn);
  await bench.run();
  const rate = (name: string): number => {
    const result = bench.getTask(name)?.result;
    if (result === undefined || result.state !== "completed") {
      throw new Error(`bench task ${name} did not complete: ${result && "error" in result ? String(result.error) : result?.state}`);
    }
    return result.throughput.mean;
  };
  const base = baseline === undefined ? undefined : rate(baseline);
  const rows = tasks.map((task) => ({ name: task.name, opsPerSecond: rate(task.name), ratio: base === undefined ? undefined : rate(task.name) / base }));
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
