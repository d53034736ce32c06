/**
 * What travels between the pool and its workers. A task names its key by a
 * reference and carries the key material only when the worker asked for it
 * (once per worker and key version); buffers are transferred, not copied.
 */
import type { JsonWebKey } from "../crypto/index.js";
import { KeyholdError, type KeyholdErrorCode } from "../errors.js";

/** "ping" answers once the worker has passed its self-test; the pool sends one to each worker at start. */
export type PrivateOperation = "sign" | "verify" | "decrypt" | "unwrapKey" | "ping";

export interface WorkerTask {
  readonly operation: PrivateOperation;
  /** Unique per key version, e.g. `<hsm id>/<key name>/<version>`. */
  readonly keyRef: string;
  readonly algorithm: string;
  /** The digest to sign or verify, the ciphertext to decrypt or the wrapped key to unwrap. */
  readonly data: Uint8Array;
  /** verify: the signature; the reply's value is one byte, 1 for valid and 0 for not. */
  readonly signature?: Uint8Array;
  readonly iv?: Uint8Array;
  readonly aad?: Uint8Array;
  readonly tag?: Uint8Array;
  /** Present only on a retry after the worker answered "needKey". */
  readonly jwk?: JsonWebKey;
}

export type WorkerReply =
  | { readonly status: "ok"; readonly value: Uint8Array }
  | { readonly status: "needKey" }
  | { readonly status: "error"; readonly code: KeyholdErrorCode; readonly message: string; readonly field?: string };

/** The reply for a failure that is not a KeyholdError: its details stay in the worker. */
export const WORKER_FAILED: WorkerReply = Object.freeze({ status: "error", code: "InternalError", message: "The crypto worker failed." });

/** Structured clone drops the class of an error; the code, message and field cross instead. */
export function replyForError(error: unknown): WorkerReply {
  if (error instanceof KeyholdError) {
    return { status: "error", code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  }
  return WORKER_FAILED;
}

export function errorFromReply(reply: Extract<WorkerReply, { status: "error" }>): KeyholdError {
  return new KeyholdError(reply.code, reply.message, reply.field === undefined ? {} : { field: reply.field });
}
