import { execFile } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { EVENT_LOOP_REASON, EventLoopWatchdog } from "../../src/server/event-loop-watchdog.js";
import { ServingState } from "../../src/serving-state.js";

/** Far above any pause a busy machine gives a healthy loop (GC, scheduling), so only the blocks below trip it. */
const STALL_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the main thread: no timer, message or I/O callback runs meanwhile. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

function started(serving: ServingState) {
  const logFile = join(mkdtempSync(join(tmpdir(), "keyhold-watchdog-")), "stderr.log");
  const logFd = openSync(logFile, "a");
  const watchdog = new EventLoopWatchdog({ serving, stallMs: STALL_MS, heartbeatMs: 25, checkMs: 50, recoveryMs: 200, logFd });
  cleanup = async () => {
    await watchdog.stop();
    closeSync(logFd);
  };
  const lines = () =>
    readFileSync(logFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { watchdog, lines };
}

describe("EventLoopWatchdog", () => {
  it("reports a stalled loop from its worker during the stall, NOT_SERVING once the loop turns, and SERVING after it has turned for a while", async () => {
    const serving = new ServingState();
    const changes: boolean[] = [];
    serving.onChange((now) => changes.push(now));
    const { watchdog, lines } = started(serving);
    await watchdog.ready;

    // A healthy loop: nothing happens.
    await sleep(600);
    expect(changes).toEqual([]);
    expect(lines()).toEqual([]);

    block(STALL_MS + 1500);
    // Logged by the worker while this thread was still blocked (the write is synchronous, to fd `logFd`).
    const [stall] = lines();
    expect(stall).toMatchObject({ level: 50, pid: process.pid, msg: expect.stringMatching(/event loop stalled/) });
    expect(stall!["silentMs"]).toBeGreaterThanOrEqual(STALL_MS);
    expect(typeof stall!["time"]).toBe("number");
    expect(typeof stall!["hostname"]).toBe("string");

    // The worker's message is handled as soon as this loop turns: NOT_SERVING, before any healthy period.
    expect(await until(() => !serving.serving, 1000)).toBe(true);
    expect(serving.reasons().get(EVENT_LOOP_REASON)).toMatch(/stalled/);
    // ... and SERVING again once the loop has kept turning for recoveryMs.
    expect(await until(() => serving.serving, 3000)).toBe(true);
    expect(changes).toEqual([false, true]);
    expect(lines()).toHaveLength(1);
  });

  it("leaves other reasons alone and clears its own when stopped", async () => {
    const serving = new ServingState();
    const { watchdog } = started(serving);
    await watchdog.ready;
    serving.set("journal:x", "cannot write");
    block(STALL_MS + 800);
    expect(await until(() => serving.reasons().has(EVENT_LOOP_REASON), 1000)).toBe(true);
    await cleanup?.(); // watchdog.stop()
    cleanup = undefined;
    expect([...serving.reasons().keys()]).toEqual(["journal:x"]);
  });

  it("never keeps the process alive", async () => {
    // The built module (npm test builds first), in a process of its own that has nothing else to do once the worker runs.
    const built = (file: string) => pathToFileURL(resolve(import.meta.dirname, "../../dist/src", file)).href;
    const script = `
      const { EventLoopWatchdog } = await import(${JSON.stringify(built("server/event-loop-watchdog.js"))});
      const { ServingState } = await import(${JSON.stringify(built("serving-state.js"))});
      const watchdog = new EventLoopWatchdog({ serving: new ServingState(), stallMs: 300, heartbeatMs: 25, checkMs: 50 });
      const keepAlive = setTimeout(() => {}, 10_000);
      await watchdog.ready;
      clearTimeout(keepAlive);
      console.log("watching");`;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { timeout: 8000 });
    expect(stdout.trim()).toBe("watching");
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("refuses timings under which a healthy loop would look stalled", () => {
    expect(() => new EventLoopWatchdog({ serving: new ServingState(), heartbeatMs: 1000, checkMs: 1000 })).toThrow(RangeError);
    expect(() => new EventLoopWatchdog({ serving: new ServingState(), stallMs: 0 })).toThrow(RangeError);
  });
});
