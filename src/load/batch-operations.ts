/**
 * `keyhold load --batch N`: the batch form of each load operation. One call carries N items for one key and one
 * algorithm (SignBatch, VerifyBatch, ... or the same messages on `Stream`), and every item's answer is checked on
 * its own, as operations.ts checks a single answer. Verify, decrypt and unwrap get their N signatures, ciphertexts
 * or wrapped keys from one batch call of the opposite kind before the run.
 */
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { HASH_BYTES, algorithmFor } from "../crypto/algorithms.js";
import { equalBytes } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import {
  DecryptBatchItemSchema,
  DecryptBatchRequestSchema,
  EncryptBatchItemSchema,
  EncryptBatchRequestSchema,
  SignBatchRequestSchema,
  UnwrapKeyBatchRequestSchema,
  VerifyBatchItemSchema,
  VerifyBatchRequestSchema,
  WrapKeyBatchRequestSchema,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import { LoadError } from "./load-error.js";
import {
  KEY_OPERATION,
  PAYLOAD_BYTES,
  type CryptoRequest,
  type CryptoResponse,
  type KeyRef,
  type LoadOperation,
  type UnaryCall,
} from "./operations.js";
import { WRONG_RESULT, type Outcome } from "./outcome.js";
import { statusName } from "./connection.js";

export interface PreparedBatch {
  /** The request of the first `size` items (1 <= size <= N): the last call of a --count run may be short. */
  request(size: number): CryptoRequest;
  /** Each item's outcome, in order: its own error code, or whether its answer is right. */
  outcomes(response: CryptoResponse, size: number): Outcome[];
}

/** What every batch result message has: its item's gRPC status and Key Vault error code. */
interface ItemResult {
  readonly code: number;
  readonly errorCode: string;
}

export async function prepareBatch(op: LoadOperation, alg: string, key: KeyRef, size: number, call: UnaryCall): Promise<PreparedBatch> {
  const spec = algorithmFor(alg, KEY_OPERATION[op], "--alg");
  const target = { name: key.name, version: key.version ?? "", algorithm: alg };
  const payloads = (): Uint8Array[] => Array.from({ length: size }, () => randomBytes(PAYLOAD_BYTES));
  switch (op) {
    case "sign":
    case "verify": {
      if (spec.hash === undefined) throw badParameter("--alg", `${alg} does not sign a digest`);
      const hashBytes = HASH_BYTES[spec.hash];
      const digests = Array.from({ length: size }, () => randomBytes(hashBytes));
      const sign = (n: number): CryptoRequest => ({
        case: "signBatch",
        value: create(SignBatchRequestSchema, { ...target, digests: digests.slice(0, n) }),
      });
      const signResults = (r: CryptoResponse) => (r.case === "signBatch" ? r.value.results : undefined);
      if (op === "sign") return batchOf(sign, signResults, (result) => result.signature.length > 0);
      const signed = await prepared(call, sign(size), signResults);
      const items = digests.map((digest, i) => create(VerifyBatchItemSchema, { digest, signature: signed[i]?.signature }));
      return batchOf(
        (n) => ({ case: "verifyBatch", value: create(VerifyBatchRequestSchema, { ...target, items: items.slice(0, n) }) }),
        (r) => (r.case === "verifyBatch" ? r.value.results : undefined),
        (result) => result.valid,
      );
    }
    case "encrypt":
    case "decrypt": {
      const plaintexts = payloads();
      const encrypt = (n: number): CryptoRequest => ({
        case: "encryptBatch",
        value: create(EncryptBatchRequestSchema, {
          ...target,
          items: plaintexts.slice(0, n).map((plaintext) => create(EncryptBatchItemSchema, { plaintext })),
        }),
      });
      const encryptResults = (r: CryptoResponse) => (r.case === "encryptBatch" ? r.value.results : undefined);
      if (op === "encrypt") return batchOf(encrypt, encryptResults, (result) => result.ciphertext.length > 0);
      const sealed = await prepared(call, encrypt(size), encryptResults);
      const items = sealed.map(({ ciphertext, iv, tag }) => create(DecryptBatchItemSchema, { ciphertext, iv, tag }));
      return batchOf(
        (n) => ({ case: "decryptBatch", value: create(DecryptBatchRequestSchema, { ...target, items: items.slice(0, n) }) }),
        (r) => (r.case === "decryptBatch" ? r.value.results : undefined),
        (result, i) => plaintexts[i] !== undefined && equalBytes(result.plaintext, plaintexts[i]),
      );
    }
    case "wrap":
    case "unwrap": {
      const keys = payloads();
      const wrap = (n: number): CryptoRequest => ({
        case: "wrapKeyBatch",
        value: create(WrapKeyBatchRequestSchema, { ...target, keys: keys.slice(0, n) }),
      });
      const wrapResults = (r: CryptoResponse) => (r.case === "wrapKeyBatch" ? r.value.results : undefined);
      if (op === "wrap") return batchOf(wrap, wrapResults, (result) => result.wrappedKey.length > 0);
      const wrapped = await prepared(call, wrap(size), wrapResults);
      const wrappedKeys = wrapped.map((result) => result.wrappedKey);
      return batchOf(
        (n) => ({
          case: "unwrapKeyBatch",
          value: create(UnwrapKeyBatchRequestSchema, { ...target, wrappedKeys: wrappedKeys.slice(0, n) }),
        }),
        (r) => (r.case === "unwrapKeyBatch" ? r.value.results : undefined),
        (result, i) => keys[i] !== undefined && equalBytes(result.key, keys[i]),
      );
    }
  }
}

/** The item results of a response of the expected kind, or undefined for any other. */
type ResultsOf<R extends ItemResult> = (response: CryptoResponse) => readonly R[] | undefined;

/**
 * A PreparedBatch over `build`, which makes the request of the first n items. The full-size request is built once
 * and a shorter one at most once more, so the run itself allocates no requests.
 */
function batchOf<R extends ItemResult>(
  build: (n: number) => CryptoRequest,
  resultsOf: ResultsOf<R>,
  correct: (result: R, index: number) => boolean,
): PreparedBatch {
  const built = new Map<number, CryptoRequest>();
  return {
    request(size) {
      let request = built.get(size);
      if (request === undefined) built.set(size, (request = build(size)));
      return request;
    },
    outcomes(response, size) {
      const results = resultsOf(response);
      if (results === undefined || results.length !== size) return Array.from({ length: size }, () => ({ ok: false, code: WRONG_RESULT }));
      return results.map((result, index) => itemOutcome(result, correct(result, index)));
    },
  };
}

function itemOutcome(result: ItemResult, correct: boolean): Outcome {
  if (result.code !== 0) return { ok: false, code: statusName(result.code), ...(result.errorCode ? { errorCode: result.errorCode } : {}) };
  return correct ? { ok: true } : { ok: false, code: WRONG_RESULT };
}

/** The item results of a preparing batch call, every one of which must have succeeded. */
async function prepared<R extends ItemResult>(call: UnaryCall, request: CryptoRequest, resultsOf: ResultsOf<R>): Promise<readonly R[]> {
  const response = await call(request);
  const results = resultsOf(response);
  if (results === undefined) throw new LoadError(`preparing the run: the server answered ${request.case} with ${response.case}`);
  const failed = results.find((result) => result.code !== 0);
  if (failed !== undefined) {
    throw new LoadError(
      `preparing the run: an item of the ${request.case} call failed with ${statusName(failed.code)} (${failed.errorCode})`,
    );
  }
  return results;
}
