/**
 * A virtual clock for the load loops: time moves only when every task is
 * waiting on it, to the earliest wake-up, so a run of "seconds" takes
 * microseconds and a stall is exactly as long as the test says.
 */
import type { Clock } from "../../../src/load/clock.js";

export class VirtualClock implements Clock {
  private time = 0;
  private readonly timers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleepUntil(atMillis: number, signal: AbortSignal): Promise<void> {
    if (atMillis <= this.time || signal.aborted) return Promise.resolve();
    return new Promise((wake) => {
      this.timers.push({ at: atMillis, wake });
      this.timers.sort((a, b) => a.at - b.at);
    });
  }

  /** Runs `work` to completion, advancing time whenever everything is asleep. */
  async run<T>(work: Promise<T>): Promise<T> {
    let finished = false;
    const result = work.finally(() => {
      finished = true;
    });
    while (!finished) {
      // Let every runnable task reach its next sleep before time moves.
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.timers.shift();
      if (next === undefined) continue;
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
    return result;
  }
}
