/**
 * The six load operations: which CryptoService method each calls, the input
 * it sends, and how its answer is checked. Verify, decrypt and unwrap need a
 * signature, ciphertext or wrapped key made by the server first, so
 * `prepareOperation` makes one call of the opposite kind before the run.
 */
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { HASH_BYTES, algorithmFor, type KeyOperation } from "../crypto/algorithms.js";
import { equalBytes } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import { LoadError } from "./load-error.js";
import {
  DecryptRequestSchema,
  EncryptRequestSchema,
  SignRequestSchema,
  UnwrapKeyRequestSchema,
  VerifyRequestSchema,
  WrapKeyRequestSchema,
  type StreamRequest,
  type StreamResponse,
} from "../gen/keyhold/v1/crypto_service_pb.js";

export const LOAD_OPERATIONS = ["sign", "verify", "encrypt", "decrypt", "wrap", "unwrap"] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

/** A request of one kind, in the shape of StreamRequest's oneof (whose cases are also the unary method names). */
export type CryptoRequest = Exclude<StreamRequest["operation"], { case: undefined }>;
export type CryptoResponse = Exclude<StreamResponse["result"], { case: undefined }>;
export type CryptoMethod = CryptoRequest["case"];

/** Makes one unary call; rejects with a message naming the gRPC status when it fails. */
export type UnaryCall = (request: CryptoRequest) => Promise<CryptoResponse>;

export const KEY_OPERATION: Readonly<Record<LoadOperation, KeyOperation>> = {
  sign: "sign",
  verify: "verify",
  encrypt: "encrypt",
  decrypt: "decrypt",
  wrap: "wrapKey",
  unwrap: "unwrapKey",
};

/** A 256-bit key or message: the size applications wrap and encrypt most. */
export const PAYLOAD_BYTES = 32;

export function parseLoadOperation(text: string): LoadOperation {
  const found = LOAD_OPERATIONS.find((op) => op === text);
  if (found === undefined) throw badParameter("--op", `must be one of ${LOAD_OPERATIONS.join(", ")}`);
  return found;
}

/** Throws BadParameter naming --alg when `alg` does not serve `op` (checked before any call). */
export function checkAlgorithm(op: LoadOperation, alg: string): void {
  algorithmFor(alg, KEY_OPERATION[op], "--alg");
}

export interface PreparedOperation {
  readonly request: CryptoRequest;
  /** True when `response` is the right answer to `request`. */
  readonly check: (response: CryptoResponse) => boolean;
}

export interface KeyRef {
  name: string;
  version?: string;
}

export async function prepareOperation(op: LoadOperation, alg: string, key: KeyRef, call: UnaryCall): Promise<PreparedOperation> {
  const spec = algorithmFor(alg, KEY_OPERATION[op], "--alg");
  const target = { name: key.name, version: key.version ?? "", algorithm: alg };
  switch (op) {
    case "sign":
    case "verify": {
      if (spec.hash === undefined) throw badParameter("--alg", `${alg} does not sign a digest`);
      const digest = randomBytes(HASH_BYTES[spec.hash]);
      const sign: CryptoRequest = { case: "sign", value: create(SignRequestSchema, { ...target, digest }) };
      if (op === "sign") return { request: sign, check: (response) => response.case === "sign" && response.value.signature.length > 0 };
      const signed = await call(sign);
      if (signed.case !== "sign") throw unexpectedAnswer("sign", signed);
      return {
        request: { case: "verify", value: create(VerifyRequestSchema, { ...target, digest, signature: signed.value.signature }) },
        check: (response) => response.case === "verify" && response.value.valid,
      };
    }
    case "encrypt":
    case "decrypt": {
      const plaintext = randomBytes(PAYLOAD_BYTES);
      const encrypt: CryptoRequest = { case: "encrypt", value: create(EncryptRequestSchema, { ...target, plaintext }) };
      if (op === "encrypt")
        return { request: encrypt, check: (response) => response.case === "encrypt" && response.value.ciphertext.length > 0 };
      const sealed = await call(encrypt);
      if (sealed.case !== "encrypt") throw unexpectedAnswer("encrypt", sealed);
      return {
        request: {
          case: "decrypt",
          value: create(DecryptRequestSchema, {
            ...target,
            ciphertext: sealed.value.ciphertext,
            iv: sealed.value.iv,
            tag: sealed.value.tag,
          }),
        },
        check: (response) => response.case === "decrypt" && equalBytes(response.value.plaintext, plaintext),
      };
    }
    case "wrap":
    case "unwrap": {
      const keyBytes = randomBytes(PAYLOAD_BYTES);
      const wrap: CryptoRequest = { case: "wrapKey", value: create(WrapKeyRequestSchema, { ...target, key: keyBytes }) };
      if (op === "wrap") return { request: wrap, check: (response) => response.case === "wrapKey" && response.value.wrappedKey.length > 0 };
      const wrapped = await call(wrap);
      if (wrapped.case !== "wrapKey") throw unexpectedAnswer("wrapKey", wrapped);
      return {
        request: { case: "unwrapKey", value: create(UnwrapKeyRequestSchema, { ...target, wrappedKey: wrapped.value.wrappedKey }) },
        check: (response) => response.case === "unwrapKey" && equalBytes(response.value.key, keyBytes),
      };
    }
  }
}

function unexpectedAnswer(kind: CryptoMethod, response: CryptoResponse): Error {
  return new LoadError(`preparing the run: the server answered ${kind} with ${response.case}`);
}
