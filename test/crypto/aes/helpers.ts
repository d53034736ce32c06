/** Shared test helpers for the AES schemes. */
import fc from "fast-check";
import { expect } from "vitest";
import type { OctKey } from "../../../src/crypto/jwk.js";
import { CRYPTO_FAILURE_MESSAGE } from "../../../src/errors.js";

/** Hex (whitespace allowed, as the RFCs print it) to bytes. */
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ""), "hex"));

export const oct = (k: Uint8Array): OctKey => ({ kty: "oct", k });

/** Random AES keys of all three sizes. */
export const aesKeys = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

/** The one generic decryption failure. */
export const failure = expect.objectContaining({ code: "CryptoFailure", message: CRYPTO_FAILURE_MESSAGE });

export const badParameter = (field: string) => expect.objectContaining({ code: "BadParameter", field });

/** A copy of `bytes` with bit `bit` (taken modulo the bit length) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const index = bit % (bytes.length * 8);
  out[index >> 3] = (out[index >> 3] ?? 0) ^ (1 << (index & 7));
  return out;
}
