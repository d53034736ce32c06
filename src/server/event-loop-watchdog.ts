/**
 * Notices a stalled event loop from another thread. The main thread bumps a counter in a SharedArrayBuffer
 * on a timer (every 500 ms); a worker thread reads it every second, and when it has not moved for the
 * threshold (5 s by default) the worker writes one error line in pino's shape straight to the log's file
 * descriptor (fd 2) with a synchronous write: a worker's process.stderr is relayed through the main thread,
 * which is exactly the thread that is stuck.
 *
 * What a load balancer sees. While the loop is stalled the main thread answers nothing, gRPC health and
 * /healthz included; those checks time out, which balancers count as failures. A worker cannot answer on
 * the node's own ports, and a second health port only the worker serves would report a stall that the
 * node's real listeners already show by timing out. So the worker's job is the log line during the stall,
 * and a message it posts at once, which the main thread handles as soon as its loop turns again: that
 * marks the node NOT_SERVING ("event-loop"), so the first health check after the stall says NOT_SERVING /
 * 503 instead of SERVING, and the balancer keeps routing around the node rather than flooding it with the
 * backlog the moment it wakes. The worker posts "recovered" once the counter has kept moving for
 * `recoveryMs` (2 s by default), and only then does the node report SERVING again.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { ServingState } from "../serving-state.js";

/** The ServingState key for a stalled loop. */
export const EVENT_LOOP_REASON = "event-loop";

export interface EventLoopWatchdogOptions {
  readonly serving: ServingState;
  /** Logs the recovery from the main thread; the stall itself is logged by the worker. */
  readonly logger?: Logger;
  /** A loop silent this long is stalled; default 5000 ms. */
  readonly stallMs?: number;
  /** How often the main thread bumps the counter; default 500 ms. */
  readonly heartbeatMs?: number;
  /** How often the worker reads it; default 1000 ms. */
  readonly checkMs?: number;
  /** How long the counter must keep moving after a stall before the node serves again; default two checks. */
  readonly recoveryMs?: number;
  /** Where the worker writes its stall line; default 2 (stderr, where the node's pino logger writes). */
  readonly logFd?: number;
}

interface WatchdogData {
  readonly beats: SharedArrayBuffer;
  readonly stallMs: number;
  readonly checkMs: number;
  readonly recoveryMs: number;
  readonly logFd: number;
}

type WatchdogMessage = { readonly type: "stalled"; readonly silentMs: number } | { readonly type: "recovered"; readonly stalledMs: number };

/**
 * The worker, as a CommonJS script (eval: no built file to find, and nothing it needs from this project).
 * "silent" is the time since the counter last moved, measured by the worker's own monotonic clock.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { hostname } = require("node:os");
const { beats, stallMs, checkMs, recoveryMs, logFd } = workerData;
const counter = new Int32Array(beats);
let lastBeat = Atomics.load(counter, 0);
let lastBeatAt = performance.now();
let stalledAt;
let movingSince;
function log(level, msg, fields) {
  const line = JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: hostname(), ...fields, msg });
  try { writeSync(logFd, line + "\\n"); } catch {}
}
setInterval(() => {
  const now = performance.now();
  const beat = Atomics.load(counter, 0);
  const moved = beat !== lastBeat;
  if (moved) { lastBeat = beat; lastBeatAt = now; }
  const silentMs = Math.round(now - lastBeatAt);
  if (stalledAt === undefined) {
    if (silentMs < stallMs) return;
    stalledAt = lastBeatAt;
    movingSince = undefined;
    log(50, "event loop stalled: the node answers no calls and reports NOT_SERVING until it has turned again for a while", { silentMs, stallMs });
    parentPort.postMessage({ type: "stalled", silentMs });
    return;
  }
  if (!moved) { movingSince = undefined; return; }
  if (movingSince === undefined) movingSince = now;
  if (now - movingSince < recoveryMs) return;
  parentPort.postMessage({ type: "recovered", stalledMs: Math.round(movingSince - stalledAt) });
  stalledAt = undefined;
  movingSince = undefined;
}, checkMs);
`;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}

export class EventLoopWatchdog {
  readonly #worker: Worker;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #serving: ServingState;
  /** Resolves once the worker runs (a stall before that goes unnoticed). */
  readonly ready: Promise<void>;

  constructor(options: EventLoopWatchdogOptions) {
    const stallMs = positive("stallMs", options.stallMs ?? 5000);
    const heartbeatMs = positive("heartbeatMs", options.heartbeatMs ?? 500);
    const checkMs = positive("checkMs", options.checkMs ?? 1000);
    const recoveryMs = positive("recoveryMs", options.recoveryMs ?? 2 * checkMs);
    // A check must see at least one beat of a healthy loop, and a stall must last longer than the gap between beats.
    if (heartbeatMs >= checkMs || heartbeatMs >= stallMs) throw new RangeError("heartbeatMs must be shorter than checkMs and stallMs");
    this.#serving = options.serving;
    const beats = new SharedArrayBuffer(4);
    const counter = new Int32Array(beats);
    const data: WatchdogData = { beats, stallMs, checkMs, recoveryMs, logFd: options.logFd ?? 2 };
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data, name: "keyhold-event-loop-watchdog" });
    this.#heartbeat = setInterval(() => Atomics.add(counter, 0, 1), heartbeatMs).unref();
    this.ready = new Promise((resolve, reject) => {
      this.#worker.once("online", resolve);
      this.#worker.once("error", reject);
    });
    this.ready.catch(() => undefined);
    this.#worker.on("error", (error) => options.logger?.error({ err: error }, "the event loop watchdog failed; stalls go unnoticed"));
    this.#worker.on("message", (message: WatchdogMessage) => {
      if (message.type === "stalled") {
        this.#serving.set(EVENT_LOOP_REASON, `the event loop stalled (no turn for ${message.silentMs} ms or more)`);
      } else {
        this.#serving.clear(EVENT_LOOP_REASON);
        options.logger?.warn({ stalledMs: message.stalledMs }, "event loop turning again after a stall; serving");
      }
    });
    // Neither the worker nor the heartbeat may keep the process alive; unref after the listeners, since adding a
    // "message" listener refs the worker again.
    this.#worker.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#worker.terminate();
    this.#serving.clear(EVENT_LOOP_REASON);
  }
}
