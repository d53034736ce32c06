/** The IPC messages between `keyhold load --workers N` and its children. */
import type { ConnectionOptions } from "./connection.js";
import type { LoadPlan } from "./run.js";
import type { WireTally } from "./tally-wire.js";

export type ToWorker = { type: "start"; plan: LoadPlan; connection: ConnectionOptions; idPrefix: string } | { type: "stop" };

export type FromWorker = { type: "progress"; done: number } | { type: "result"; tally: WireTally } | { type: "failed"; message: string };

/** How often a child reports progress; the parent's bar needs no more. */
export const PROGRESS_INTERVAL_MS = 200;

export function isFromWorker(message: unknown): message is FromWorker {
  if (typeof message !== "object" || message === null) return false;
  const type = (message as { type?: unknown }).type;
  return type === "progress" || type === "result" || type === "failed";
}

export function isToWorker(message: unknown): message is ToWorker {
  if (typeof message !== "object" || message === null) return false;
  const type = (message as { type?: unknown }).type;
  return type === "start" || type === "stop";
}
