import { randomBytes } from "node:crypto";

/**
 * A certificate serial number in the hex form node-forge takes: 16 random
 * bytes whose first byte lies in 0x40..0x7f. RFC 5280 section 4.1.2.2 wants it
 * positive (high bit clear), and DER wants the INTEGER minimal: forge drops one
 * leading zero byte at most, so random bytes 00 00 xx (xx below 0x80) left a
 * padded INTEGER and OpenSSL refused the whole certificate ("illegal padding",
 * about 1 certificate in 65,536, and then a server that would not start).
 * Setting bit 6 of the first byte rules that out and keeps 126 random bits.
 */
export function certificateSerialNumber(random: Uint8Array = randomBytes(16)): string {
  const bytes = Buffer.from(random);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString("hex");
}
