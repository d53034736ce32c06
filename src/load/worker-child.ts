/**
 * The child side of `--workers`: waits for its share of the plan over IPC
 * (so the token never appears on a command line), runs it, reports
 * progress and sends back its tally.
 */
import { openCryptoConnection } from "./open-connection.js";
import { runLoad } from "./run.js";
import { toWire } from "./tally-wire.js";
import { PROGRESS_INTERVAL_MS, isToWorker, type FromWorker, type ToWorker } from "./worker-messages.js";

export async function runWorkerChild(): Promise<void> {
  const post = (message: FromWorker): void => {
    process.send?.(message);
  };
  const stop = new AbortController();
  // The terminal's Ctrl-C reaches the whole process group: the child stops
  // issuing and still reports, so the parent can print what was done.
  process.on("SIGINT", () => stop.abort());
  const start = await new Promise<Extract<ToWorker, { type: "start" }>>((resolve, reject) => {
    process.on("message", (message) => {
      if (!isToWorker(message)) return;
      if (message.type === "start") resolve(message);
      else stop.abort();
    });
    process.once("disconnect", () => reject(new Error("the parent went away before starting this worker")));
  });
  let done = 0;
  const progress = setInterval(() => post({ type: "progress", done }), PROGRESS_INTERVAL_MS);
  const connection = openCryptoConnection(start.connection);
  try {
    const tally = await runLoad(start.plan, { connection, stop: stop.signal, idPrefix: start.idPrefix, onOutcome: () => void done++ });
    post({ type: "progress", done });
    post({ type: "result", tally: toWire(tally) });
  } catch (error) {
    post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(progress);
    connection.close();
    process.disconnect?.();
  }
}
