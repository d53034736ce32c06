// Big-endian unsigned byte strings <-> bigint (the JWK integer encoding, RFC 7518 section 6.3).

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** Exactly `length` big-endian bytes; the caller guarantees value < 2^(8*length). */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Number of significant bits, ignoring leading zero bytes. */
export function bitLength(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte !== 0) return (bytes.length - i - 1) * 8 + (32 - Math.clz32(byte));
  }
  return 0;
}

/** The value left-padded (or stripped of leading zeros) to exactly `length` bytes; bitLength must fit. */
export function toFixedLength(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const significant = Math.ceil(bitLength(bytes) / 8);
  out.set(bytes.subarray(bytes.length - significant), length - significant);
  return out;
}
