/** Byte helpers shared by the schemes: base64url (RFC 4648 section 5), big-endian integers, comparisons. */
import { timingSafeEqual } from "node:crypto";
import { badParameter } from "../errors.js";

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes base64url without padding; anything else is BadParameter naming `field`. */
export function fromBase64Url(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string") throw badParameter(field, "must be a base64url string");
  if (!BASE64URL.test(value) || value.length % 4 === 1) throw badParameter(field, "is not valid base64url");
  return new Uint8Array(Buffer.from(value, "base64url"));
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

export function requireBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw badParameter(field, "must be a Uint8Array");
  return value;
}

/** Bytes of exactly `length` (an IV, a tag); absent or otherwise is BadParameter naming `field`. */
export function exactLength(value: unknown, length: number, field: string): Uint8Array {
  if (value === undefined) throw badParameter(field, "is required");
  const bytes = requireBytes(value, field);
  if (bytes.length !== length) throw badParameter(field, `must be exactly ${length} bytes`);
  return bytes;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt("0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex"));
}

/** Big-endian encoding of `value` in exactly `length` bytes (I2OSP, RFC 8017 section 4.1). */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new RangeError("integer too large for the requested length");
  return new Uint8Array(Buffer.from(hex.padStart(length * 2, "0"), "hex"));
}

/** Strips leading zero bytes (JWK integers are minimal big-endian). */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Left-pads with zeros to `length` bytes; longer input is returned as is (callers check). */
export function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time equality for equal lengths; unequal lengths are public and compare false. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}
