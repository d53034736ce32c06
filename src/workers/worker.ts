/**
 * A crypto worker (piscina). It sets the providers it was given, runs the
 * crypto core's known-answer self-test before its first task (a failure makes
 * the module fail to load, so the worker never serves), then serves private
 * key operations from its key cache (the work itself: perform.ts).
 */
import { BroadcastChannel } from "node:worker_threads";
import { workerData } from "piscina";
import { selfTest, setDefaultProvider, type JsonWebKey } from "../crypto/index.js";
import { Lru } from "../lru.js";
import { perform } from "./perform.js";
import { replyForError, type WorkerReply, type WorkerTask } from "./task.js";
import type { WorkerSettings } from "./settings.js";

const settings = workerData as WorkerSettings;
setDefaultProvider("rsa", settings.providers.rsa);
setDefaultProvider("ec", settings.providers.ec);
await selfTest();

// Key material by reference, least recently used first out of the byte budget. A key's size is the
// JSON length of its JWK: approximate, which is what matters for a memory bound.
const cache = new Lru<JsonWebKey>(settings.cacheBytes, (jwk) => JSON.stringify(jwk).length);

// The pool announces key versions that were disabled, deleted or purged; their material leaves this worker.
const evictions = new BroadcastChannel(settings.evictionChannel);
evictions.onmessage = (message) => {
  const { keyRef, prefix } = (message as { data: { keyRef?: string; prefix?: string } }).data;
  if (typeof keyRef === "string") cache.delete(keyRef);
  if (typeof prefix === "string") cache.deletePrefix(prefix);
};
evictions.unref();

/** Runs a batch of tasks in order (the pool sends what queued while this worker was busy); one reply per task. */
export default async function run(tasks: readonly WorkerTask[]): Promise<WorkerReply[]> {
  const replies: WorkerReply[] = [];
  for (const task of tasks) replies.push(await runOne(task));
  return replies;
}

const PONG: WorkerReply = Object.freeze({ status: "ok", value: new Uint8Array(0) });

async function runOne(task: WorkerTask): Promise<WorkerReply> {
  try {
    if (task.operation === "ping") return PONG;
    if (task.jwk !== undefined) cache.set(task.keyRef, task.jwk);
    const jwk = task.jwk ?? cache.get(task.keyRef);
    if (jwk === undefined) return { status: "needKey" };
    return { status: "ok", value: await perform(task, jwk) };
  } catch (error) {
    return replyForError(error);
  }
}
