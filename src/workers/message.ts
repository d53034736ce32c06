/**
 * One message of the pool, run in a worker: its tasks in, one reply per task out, in order. The pool sends what
 * queued while this worker was busy as one message, so under load a message holds many unary signs, most with the
 * same key version: those go to the crypto core together (`signBatch`), which signs them as one batch and pays once
 * for what signatures can share (ECDSA: one modular inversion, one ECDH object, one blinding, instead of one each;
 * a sign of 55 µs alone costs about 19 µs in a batch of 16). Each task still gets its own signature or its own error.
 */
import { signBatch, type JsonWebKey } from "../crypto/index.js";
import { perform } from "./perform.js";
import { replyForError, type WorkerReply, type WorkerTask } from "./task.js";

const PONG: WorkerReply = Object.freeze({ status: "ok", value: new Uint8Array(0) });
const NEED_KEY: WorkerReply = Object.freeze({ status: "needKey" });

/** The key material a task works with: the one it carries, else the worker's cached copy; undefined when neither. */
export type KeyLookup = (task: WorkerTask) => JsonWebKey | undefined;

/** The message's sign tasks by key version and algorithm, as indices into the message; the other tasks' indices alone. */
function signGroups(tasks: readonly WorkerTask[], keyOf: KeyLookup): { groups: number[][]; others: number[] } {
  const byKey = new Map<string, number[]>();
  const others: number[] = [];
  tasks.forEach((task, i) => {
    if (task.operation !== "sign" || keyOf(task) === undefined) {
      others.push(i);
      return;
    }
    // A key reference names one key version; the newline cannot occur in either part.
    const group = `${task.keyRef}\n${task.algorithm}`;
    const indices = byKey.get(group);
    if (indices === undefined) byKey.set(group, [i]);
    else indices.push(i);
  });
  return { groups: [...byKey.values()], others };
}

/** Runs a message's tasks; sign tasks that share a key version and an algorithm are signed as one batch. */
export async function runMessage(tasks: readonly WorkerTask[], keyOf: KeyLookup): Promise<WorkerReply[]> {
  const replies = new Array<WorkerReply>(tasks.length);
  const { groups, others } = signGroups(tasks, keyOf);
  for (const indices of groups) {
    const first = tasks[indices[0] as number] as WorkerTask;
    const digests = indices.map((i) => (tasks[i] as WorkerTask).data);
    // signBatch answers per item; should it fail as a whole all the same, every task of the group gets that error.
    const results = await signBatch(first.algorithm, keyOf(first) as JsonWebKey, digests).catch((error: unknown) =>
      digests.map((): PromiseRejectedResult => ({ status: "rejected", reason: error })),
    );
    indices.forEach((index, j) => {
      const result = results[j];
      replies[index] = result?.status === "fulfilled" ? { status: "ok", value: result.value } : replyForError(result?.reason);
    });
  }
  for (const i of others) replies[i] = await runOne(tasks[i] as WorkerTask, keyOf);
  return replies;
}

async function runOne(task: WorkerTask, keyOf: KeyLookup): Promise<WorkerReply> {
  try {
    if (task.operation === "ping") return PONG;
    const jwk = keyOf(task);
    if (jwk === undefined) return NEED_KEY;
    return { status: "ok", value: await perform(task, jwk) };
  } catch (error) {
    return replyForError(error);
  }
}
