// Big-endian unsigned byte strings as the kernels take them (the JWK integer encoding, RFC 7518 section 6.3).

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
