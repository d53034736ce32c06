// The key shapes both engines accept, checked before any arithmetic so a bad key is
// refused with the field's name (never a TypeError or a kernel status).
import { badParameter } from "../../errors.js";
import { bitLength } from "./bytes.js";
import type { RsaPrivateParams, RsaPublicParams } from "./types.js";

export type RsaModulusBits = 2048 | 3072 | 4096;

function requireBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw badParameter(field, "must be a byte array");
  return value;
}

function isOdd(bytes: Uint8Array): boolean {
  return ((bytes[bytes.length - 1] ?? 0) & 1) === 1;
}

export function checkPublicShape(key: RsaPublicParams): RsaModulusBits {
  const n = requireBytes(key?.n, "key.n");
  const e = requireBytes(key?.e, "key.e");
  const bits = bitLength(n);
  if (bits !== 2048 && bits !== 3072 && bits !== 4096) {
    throw badParameter("key.n", "must be a 2048-, 3072- or 4096-bit modulus");
  }
  if (!isOdd(n)) throw badParameter("key.n", "must be odd");
  const eBits = bitLength(e);
  if (eBits < 2 || eBits > bits || !isOdd(e)) throw badParameter("key.e", "must be an odd exponent greater than 1 and shorter than the modulus");
  return bits;
}

export function checkPrivateShape(key: RsaPrivateParams): RsaModulusBits {
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
  if (!(input instanceof Uint8Array)) throw badParameter("input", "must be a byte array");
  if (input.length !== modulusBits / 8) {
    throw badParameter("input", `must be exactly ${modulusBits / 8} bytes (the modulus length)`);
  }
}
