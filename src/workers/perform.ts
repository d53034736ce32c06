/**
 * The work a task names, done with its key's material: the one implementation of a task, whichever thread runs
 * it. A worker runs the pool's tasks with it; the main thread runs the same tasks with it for the keys whose work
 * stays there (symmetric keys, see src/hsm/keys/placement.ts).
 */
import { decrypt, sign, unwrapKey, verify, type JsonWebKey } from "../crypto/index.js";
import { verdictOf, type AnswerOf, type PingTask, type PoolTask } from "./task.js";

/** A task that does cryptography with a key (every task but ping). */
export type KeyTask = Exclude<PoolTask, PingTask>;

const NO_SIGNATURE = new Uint8Array(0);

/** The task's answer; one case per operation, and this does not compile if one is missing. */
export function perform<T extends KeyTask>(task: T, jwk: JsonWebKey): Promise<AnswerOf<T>>;
export function perform(task: KeyTask, jwk: JsonWebKey): Promise<Uint8Array> {
  switch (task.operation) {
    case "sign":
      return sign(task.algorithm, jwk, task.data);
    case "verify":
      // A task that crossed a thread by structured clone may lack its signature: it verifies as an empty one does.
      return verify(task.algorithm, jwk, task.data, task.signature ?? NO_SIGNATURE).then(verdictOf);
    case "decrypt":
      return decrypt(task.algorithm, jwk, task.data, { iv: task.iv, aad: task.aad, tag: task.tag });
    case "unwrapKey":
      return unwrapKey(task.algorithm, jwk, task.data);
    default:
      return unknownOperation(task);
  }
}

function unknownOperation(task: never): Promise<never> {
  return Promise.reject(new TypeError(`No crypto operation '${String((task as { operation?: unknown }).operation)}'.`));
}
