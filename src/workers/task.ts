/**
 * What travels between the pool and its workers. A task names its key by a
 * reference and carries the key material only when the worker asked for it
 * (once per worker and key version); buffers are transferred, not copied.
 * One case per operation, so each carries exactly its fields and the worker's
 * dispatch is checked to cover them all.
 */
import type { JsonWebKey } from "../crypto/index.js";
import { KeyholdError, type KeyholdErrorCode } from "../errors.js";

interface TaskBase<O extends string> {
  readonly operation: O;
  /** Unique per key version, e.g. `<hsm id>/<key name>/<version>`. */
  readonly keyRef: string;
  readonly algorithm: string;
  /** The digest to sign or verify, the ciphertext to decrypt or the wrapped key to unwrap. */
  readonly data: Uint8Array;
}

type SignTask = TaskBase<"sign">;

interface VerifyTask extends TaskBase<"verify"> {
  readonly signature: Uint8Array;
}

interface DecryptTask extends TaskBase<"decrypt"> {
  readonly iv?: Uint8Array | undefined;
  readonly aad?: Uint8Array | undefined;
  readonly tag?: Uint8Array | undefined;
}

type UnwrapKeyTask = TaskBase<"unwrapKey">;

/**
 * Many digests signed with one key version and one algorithm: one task for a chunk of a batch call. The digests
 * travel end to end in `data` (one buffer to move), `sizes` says where each ends.
 */
interface SignBatchTask extends TaskBase<"signBatch"> {
  readonly sizes: readonly number[];
}

/** Many wrapped keys unwrapped with one key version and one algorithm: end to end in `data`, `sizes` says where each ends. */
interface UnwrapKeyBatchTask extends TaskBase<"unwrapKeyBatch"> {
  readonly sizes: readonly number[];
}

/**
 * Many ciphertexts decrypted with one key version and one algorithm: each byte field holds the items' values end to
 * end and its `...Sizes` says where each ends (an empty iv, aad or tag is an absent one).
 */
interface DecryptBatchTask extends TaskBase<"decryptBatch"> {
  readonly sizes: readonly number[];
  readonly iv: Uint8Array;
  readonly ivSizes: readonly number[];
  readonly aad: Uint8Array;
  readonly aadSizes: readonly number[];
  readonly tag: Uint8Array;
  readonly tagSizes: readonly number[];
}

/** Many (digest, signature) pairs verified with one key version: digests end to end in `data`, signatures in `signature`. */
interface VerifyBatchTask extends TaskBase<"verifyBatch"> {
  readonly sizes: readonly number[];
  readonly signature: Uint8Array;
  readonly signatureSizes: readonly number[];
}

/** Answered once the worker has passed its self-test; the pool sends one to each worker at start. */
export type PingTask = TaskBase<"ping">;

/** A task as a caller of the pool gives it. */
export type PoolTask =
  | SignTask
  | VerifyTask
  | DecryptTask
  | UnwrapKeyTask
  | SignBatchTask
  | VerifyBatchTask
  | UnwrapKeyBatchTask
  | DecryptBatchTask
  | PingTask;

export type PrivateOperation = PoolTask["operation"];

/** A task as it reaches a worker: with the key's material only on a retry after the worker answered "needKey". */
export type WorkerTask = PoolTask & { readonly jwk?: JsonWebKey };

declare const verdict: unique symbol;

/**
 * verify's answer: one byte, 1 for valid and 0 for not. Bytes like every other answer, so a reply has one shape;
 * its own type, so that only a verify's answer can be read as a verdict (`isValid`).
 */
export type Verdict = Uint8Array & { readonly [verdict]: true };

/** One item of a batch task: its answer, or its own error (code, message and field cross as in a WorkerReply). */
export type ItemReply<V> =
  | { readonly status: "ok"; readonly value: V }
  | { readonly status: "error"; readonly code: KeyholdErrorCode; readonly message: string; readonly field?: string };

/**
 * What a task's answer holds, by operation: the signature, the verdict, the plaintext, the unwrapped key, one item
 * reply per item of a batch, in order; ping's is empty.
 */
interface PoolAnswers {
  readonly sign: Uint8Array;
  readonly verify: Verdict;
  readonly decrypt: Uint8Array;
  readonly unwrapKey: Uint8Array;
  readonly signBatch: readonly ItemReply<Uint8Array>[];
  readonly verifyBatch: readonly ItemReply<Verdict>[];
  readonly unwrapKeyBatch: readonly ItemReply<Uint8Array>[];
  readonly decryptBatch: readonly ItemReply<Uint8Array>[];
  readonly ping: Uint8Array;
}

/** Any task's answer. */
export type Answer = PoolAnswers[keyof PoolAnswers];

export type AnswerOf<T extends PoolTask> = PoolAnswers[T["operation"]];

// Every verdict is one of these two arrays, and none is kept where it could be changed: a worker's reply is cloned
// to the pool (never transferred), and a verdict made on the main thread (placement.ts) is read by `isValid` at
// once. One allocation fewer per verify.
const VALID = Uint8Array.of(1) as Verdict;
const INVALID = Uint8Array.of(0) as Verdict;

export const verdictOf = (valid: boolean): Verdict => (valid ? VALID : INVALID);

/** A verdict as the boolean it stands for. */
export const isValid = (answer: Verdict): boolean => answer[0] === 1;

export type WorkerReply =
  | { readonly status: "ok"; readonly value: Answer }
  | { readonly status: "needKey" }
  | { readonly status: "error"; readonly code: KeyholdErrorCode; readonly message: string; readonly field?: string };

type ErrorReply = Extract<WorkerReply, { status: "error" }>;

/** The reply for a failure that is not a KeyholdError: its details stay in the worker. */
export const WORKER_FAILED: ErrorReply = Object.freeze({ status: "error", code: "InternalError", message: "The crypto worker failed." });

/** Structured clone drops the class of an error; the code, message and field cross instead. */
export function replyForError(error: unknown): ErrorReply {
  if (error instanceof KeyholdError) {
    return { status: "error", code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  }
  return WORKER_FAILED;
}

export function errorFromReply(reply: ErrorReply): KeyholdError {
  return new KeyholdError(reply.code, reply.message, reply.field === undefined ? {} : { field: reply.field });
}
