/**
 * A crypto worker (piscina). It sets the providers it was given, runs the
 * crypto core's known-answer self-test before its first task (a failure makes
 * the module fail to load, so the worker never serves), then serves private
 * key operations from its key cache (a message's tasks: message.ts; the work itself: perform.ts).
 */
import { BroadcastChannel } from "node:worker_threads";
import { workerData } from "piscina";
import { selfTest, setDefaultProvider, type JsonWebKey } from "../crypto/index.js";
import { Lru } from "../lru.js";
import { runMessage } from "./message.js";
import type { WorkerReply, WorkerTask } from "./task.js";
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

/**
 * Runs a message of tasks (the pool sends what queued while this worker was busy); one reply per task, in order.
 * Key material a task carries (the retry after "needKey") enters the cache first, for the whole message.
 */
export default function run(tasks: readonly WorkerTask[]): Promise<WorkerReply[]> {
  for (const task of tasks) if (task.jwk !== undefined) cache.set(task.keyRef, task.jwk);
  return runMessage(tasks, (task) => task.jwk ?? cache.get(task.keyRef));
}
