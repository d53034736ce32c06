// The key shapes both engines accept, checked before any arithmetic so a bad key is
// refused with the field's name (never a TypeError or a kernel status), and the errors
// both engines raise for what only the arithmetic finds out.
import { KeyholdError, badParameter } from "../../errors.js";
import { RSA_MODULUS_BITS } from "../algorithms.js";
import { requireBytes } from "../bytes.js";
import { bitLength } from "./bytes.js";
import type { RsaPrivateParams, RsaPublicParams } from "./types.js";

function isOdd(bytes: Uint8Array): boolean {
  return ((bytes[bytes.length - 1] ?? 0) & 1) === 1;
}

/** The modulus size in bits. */
export function checkPublicShape(key: RsaPublicParams): number {
  const n = requireBytes(key?.n, "key.n");
  const e = requireBytes(key?.e, "key.e");
  const bits = bitLength(n);
  if (!RSA_MODULUS_BITS.includes(bits)) {
    throw badParameter("key.n", "must be a 2048-, 3072- or 4096-bit modulus");
  }
  if (!isOdd(n)) throw badParameter("key.n", "must be odd");
  const eBits = bitLength(e);
  if (eBits < 2 || eBits > bits || !isOdd(e))
    throw badParameter("key.e", "must be an odd exponent greater than 1 and shorter than the modulus");
  return bits;
}

/** The modulus size in bits. */
export function checkPrivateShape(key: RsaPrivateParams): number {
  const bits = checkPublicShape(key);
  const half = bits / 2;
  for (const field of ["p", "q"] as const) {
    const value = requireBytes(key[field], `key.${field}`);
    if (bitLength(value) !== half) throw badParameter(`key.${field}`, `must be exactly ${half} bits for a ${bits}-bit modulus`);
    if (!isOdd(value)) throw badParameter(`key.${field}`, "must be odd");
  }
  for (const field of ["dp", "dq", "qi"] as const) {
    const value = requireBytes(key[field], `key.${field}`);
    if (bitLength(value) > half) throw badParameter(`key.${field}`, `must be at most ${half} bits`);
  }
  return bits;
}

export function checkInput(input: Uint8Array, modulusBits: number): void {
  requireBytes(input, "input");
  if (input.length !== modulusBits / 8) {
    throw badParameter("input", `must be exactly ${modulusBits / 8} bytes (the modulus length)`);
  }
}

export function inputNotLessThanModulus(): KeyholdError {
  return badParameter("input", "must be less than the modulus");
}

/** The CRT result did not invert under e: a fault (or a corrupted key), never returned to the caller. */
export function consistencyCheckFailed(): KeyholdError {
  return new KeyholdError("InternalError", "RSA private operation failed its consistency check");
}
