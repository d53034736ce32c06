/**
 * AES Key Wrap (RFC 3394) and AES Key Wrap with Padding (RFC 5649) on
 * OpenSSL's `id-aes*-wrap` and `id-aes*-wrap-pad` ciphers, which match the
 * RFCs' known-answer vectors (see test/crypto/aes/kw.test.ts).
 *
 * Integrity: OpenSSL (crypto/modes/wrap128.c) compares the recovered IV, and
 * for RFC 5649 the padding bytes, with CRYPTO_memcmp; the MLI range check of
 * RFC 5649 section 3 is a branch, which reveals only that the (already
 * checked) AIV was right and the length was wrong. Every failure here is the
 * one generic CryptoFailure.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { badParameter, cryptoFailure } from "../../errors.js";
import { requireBytes } from "../bytes.js";
import type { OctKey } from "../jwk.js";

/** RFC 3394 section 2.2.3.1: the default initial value. */
const KW_IV = new Uint8Array([0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6]);
/** RFC 5649 section 3: the constant half of the alternative initial value; OpenSSL appends the MLI. */
const KWP_AIV_PREFIX = new Uint8Array([0xa6, 0x59, 0x59, 0xa6]);
const SEMIBLOCK = 8;
/** RFC 5649 section 3: the MLI is a 32-bit length. */
const KWP_MAX_BYTES = 2 ** 32;

type Mode = "wrap" | "wrap-pad";

function run(kek: OctKey, mode: Mode, direction: "wrap" | "unwrap", input: Uint8Array): Uint8Array {
  const name = `id-aes${kek.k.length * 8}-${mode}`;
  const iv = mode === "wrap" ? KW_IV : KWP_AIV_PREFIX;
  const cipher = direction === "wrap" ? createCipheriv(name, kek.k, iv) : createDecipheriv(name, kek.k, iv);
  try {
    return new Uint8Array(Buffer.concat([cipher.update(input), cipher.final()]));
  } catch (error) {
    if (direction === "unwrap") throw cryptoFailure();
    throw error;
  }
}

function semiblocks(value: unknown, field: string, minimum: number): Uint8Array {
  const bytes = requireBytes(value, field);
  if (bytes.length < minimum || bytes.length % SEMIBLOCK !== 0) {
    throw badParameter(field, `must be a multiple of ${SEMIBLOCK} bytes, at least ${minimum}`);
  }
  return bytes;
}

/** RFC 3394 section 2.2.1: the key to wrap is n >= 2 semiblocks of 64 bits. */
export function aesKeyWrap(kek: OctKey, keyToWrap: Uint8Array): Uint8Array {
  return run(kek, "wrap", "wrap", semiblocks(keyToWrap, "keyToWrap", 2 * SEMIBLOCK));
}

/** RFC 3394 section 2.2.2 with the integrity check of section 2.2.3. */
export function aesKeyUnwrap(kek: OctKey, wrapped: Uint8Array): Uint8Array {
  return run(kek, "wrap", "unwrap", semiblocks(wrapped, "wrapped", 3 * SEMIBLOCK));
}

/** RFC 5649 section 4.1: any length from 1 byte to 2^32 bytes. */
export function aesKeyWrapPad(kek: OctKey, keyToWrap: Uint8Array): Uint8Array {
  const bytes = requireBytes(keyToWrap, "keyToWrap");
  if (bytes.length === 0 || bytes.length > KWP_MAX_BYTES) throw badParameter("keyToWrap", "must be 1 to 2^32 bytes");
  return run(kek, "wrap-pad", "wrap", bytes);
}

/** RFC 5649 section 4.2 with the AIV, MLI and padding checks of section 3. */
export function aesKeyUnwrapPad(kek: OctKey, wrapped: Uint8Array): Uint8Array {
  return run(kek, "wrap-pad", "unwrap", semiblocks(wrapped, "wrapped", 2 * SEMIBLOCK));
}
