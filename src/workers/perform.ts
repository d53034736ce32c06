/**
 * The work a task names, done with its key's material: the one implementation of a task, whichever thread runs
 * it. A worker runs the pool's tasks with it; the main thread runs the same tasks with it for the keys whose work
 * stays there (symmetric keys, see src/hsm/keys/placement.ts).
 */
import { decrypt, sign, signBatch, unwrapKey, verify, type JsonWebKey } from "../crypto/index.js";
import { replyForError, verdictOf, type Answer, type AnswerOf, type ItemReply, type PingTask, type PoolTask } from "./task.js";

/** A task that does cryptography with a key (every task but ping). */
export type KeyTask = Exclude<PoolTask, PingTask>;

const NO_SIGNATURE = new Uint8Array(0);

/** The task's answer; one case per operation, and this does not compile if one is missing. */
export function perform<T extends KeyTask>(task: T, jwk: JsonWebKey): Promise<AnswerOf<T>>;
export function perform(task: KeyTask, jwk: JsonWebKey): Promise<Answer> {
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
    case "signBatch":
      // The core signs the chunk at once, so what signatures can share is paid once (ECDSA: one inversion).
      return signBatch(task.algorithm, jwk, split(task.data, task.sizes)).then((results) =>
        results.map((result) => (result.status === "fulfilled" ? { status: "ok", value: result.value } : replyForError(result.reason))),
      );
    case "unwrapKeyBatch":
      return eachItem(split(task.data, task.sizes), (wrapped) => unwrapKey(task.algorithm, jwk, wrapped));
    case "decryptBatch": {
      // A task that crossed a thread by structured clone may lack a field: its items' values are then absent.
      const ivs = split(task.iv ?? NO_SIGNATURE, task.ivSizes);
      const aads = split(task.aad ?? NO_SIGNATURE, task.aadSizes);
      const tags = split(task.tag ?? NO_SIGNATURE, task.tagSizes);
      return eachItem(split(task.data, task.sizes), (ciphertext, i) =>
        decrypt(task.algorithm, jwk, ciphertext, { iv: present(ivs[i]), aad: present(aads[i]), tag: present(tags[i]) }),
      );
    }
    case "verifyBatch": {
      const signatures = split(task.signature ?? NO_SIGNATURE, task.signatureSizes);
      return eachItem(split(task.data, task.sizes), (digest, i) =>
        verify(task.algorithm, jwk, digest, signatures[i] ?? NO_SIGNATURE).then(verdictOf),
      );
    }
    default:
      return unknownOperation(task);
  }
}

/** `data` cut into consecutive pieces of the given sizes (views, not copies); what `sizes` does not cover is dropped. */
function split(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

/** An empty value is an absent one, as protobuf's defaults are. */
const present = (bytes: Uint8Array | undefined): Uint8Array | undefined => (bytes === undefined || bytes.length === 0 ? undefined : bytes);

/** Each item's answer or its own error, in order: one item's failure is that item's, never the batch's. */
export async function eachItem<I, V>(items: readonly I[], work: (item: I, index: number) => Promise<V>): Promise<ItemReply<V>[]> {
  const replies: ItemReply<V>[] = [];
  for (const [index, item] of items.entries()) {
    try {
      replies.push({ status: "ok", value: await work(item, index) });
    } catch (error) {
      replies.push(replyForError(error));
    }
  }
  return replies;
}

function unknownOperation(task: never): Promise<never> {
  return Promise.reject(new TypeError(`No crypto operation '${String((task as { operation?: unknown }).operation)}'.`));
}
