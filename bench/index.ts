/**
 * `npm run bench`: every benchmark group, or the ones named on the command
 * line (`npm run bench -- crypto pool`). BENCH_TIME_MS sets the time per
 * task. Figures, not tests: nothing here asserts a speed.
 */
import { runBenchGroups } from "./groups.js";

try {
  await runBenchGroups(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
