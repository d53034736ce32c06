/**
 * The progress bar on stderr while a run goes (stdout stays for the result).
 * Off when stderr is not a terminal or CI=true, where it would only litter logs.
 */
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressPlan {
  count?: number;
  durationMs?: number;
}

function progressEnabled(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env["CI"] !== "true";
}

export function startProgress(plan: ProgressPlan, enabled = progressEnabled()): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const byCount = plan.count !== undefined;
  const total = byCount ? (plan.count ?? 0) : Math.ceil((plan.durationMs ?? 0) / 1000);
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: byCount
        ? "{bar} {percentage}% | {value}/{total} ops | {rate} ops/s"
        : "{bar} {percentage}% | {value}/{total} s | {done} ops | {rate} ops/s",
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const startedAt = performance.now();
  bar.start(total, 0, { done: 0, rate: 0 });
  return {
    update(done) {
      const seconds = (performance.now() - startedAt) / 1000;
      const rate = seconds > 0 ? Math.round(done / seconds) : 0;
      bar.update(byCount ? done : Math.min(total, Math.floor(seconds)), { done, rate });
    },
    stop: () => bar.stop(),
  };
}
