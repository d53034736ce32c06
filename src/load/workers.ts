/**
 * The parent side of `--workers N`: forks N children (one grpc-js client
 * process saturates a core before the server does), gives each its share of
 * the plan, sums their progress and merges their tallies.
 */
import type { ChildProcess } from "node:child_process";
import type { ConnectionOptions } from "./connection.js";
import { LoadError } from "./load-error.js";
import type { LoadPlan, LoadTally } from "./run.js";
import { splitPlan } from "./split-plan.js";
import { fromWire, mergeTallies } from "./tally-wire.js";
import { isFromWorker, type ToWorker } from "./worker-messages.js";

/** Starts child `index` (a fork of the same CLI with the internal worker flag). */
export type LaunchWorker = (index: number) => ChildProcess;

export interface WorkersRun {
  plan: LoadPlan;
  workers: number;
  connection: ConnectionOptions;
  launch: LaunchWorker;
  stop?: AbortSignal;
  /** Operations finished so far, over all children. */
  onProgress?: (done: number) => void;
}

export async function runInWorkers(run: WorkersRun): Promise<LoadTally> {
  const plans = splitPlan(run.plan, run.workers);
  const done = plans.map(() => 0);
  const children = plans.map((_, index) => run.launch(index));
  const stopAll = (): void => {
    for (const child of children) if (child.connected) child.send({ type: "stop" } satisfies ToWorker);
  };
  run.stop?.addEventListener("abort", stopAll, { once: true });
  try {
    const tallies = await Promise.all(
      children.map(
        (child, index) =>
          new Promise<LoadTally>((resolve, reject) => {
            let settled = false;
            child.on("message", (message) => {
              if (!isFromWorker(message)) return;
              if (message.type === "progress") {
                done[index] = message.done;
                run.onProgress?.(done.reduce((total, count) => total + count, 0));
              } else if (message.type === "result") {
                settled = true;
                resolve(fromWire(message.tally));
              } else {
                settled = true;
                reject(new LoadError(`worker ${index}: ${message.message}`));
              }
            });
            child.once("exit", (code, signal) => {
              if (!settled) reject(new LoadError(`worker ${index} exited (${signal ?? `code ${code}`}) without a result`));
            });
            child.send({
              type: "start",
              plan: plans[index] as LoadPlan,
              connection: run.connection,
              idPrefix: `w${index}.`,
            } satisfies ToWorker);
          }),
      ),
    );
    return mergeTallies(tallies);
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill();
    throw error;
  } finally {
    run.stop?.removeEventListener("abort", stopAll);
  }
}
