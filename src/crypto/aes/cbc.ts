/**
 * AES-CBC (NIST SP 800-38A section 6.2), with or without PKCS#7 padding
 * (RFC 5652 section 6.3). CBC without a MAC is malleable: flipping a bit of
 * one ciphertext block flips the same bit of the next plaintext block, so
 * callers that need integrity use GCM. Padding checks can leak through timing
 * (a padding oracle, Vaudenay 2002): the check below runs over the whole last
 * block without data-dependent branches and every failure is the same
 * CryptoFailure, but JavaScript gives no constant-time guarantee.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { badParameter, cryptoFailure } from "../../errors.js";
import { exactLength, requireBytes } from "../bytes.js";
import type { OctKey } from "../jwk.js";

const AES_BLOCK_BYTES = 16;

function cipherName(key: OctKey): string {
  return `aes-${key.k.length * 8}-cbc`;
}

function requireWholeBlocks(value: unknown, field: string): Uint8Array {
  const bytes = requireBytes(value, field);
  if (bytes.length === 0 || bytes.length % AES_BLOCK_BYTES !== 0) {
    throw badParameter(field, `must be a non-empty multiple of ${AES_BLOCK_BYTES} bytes`);
  }
  return bytes;
}

export function aesCbcEncrypt(
  key: OctKey,
  plaintext: Uint8Array,
  opts: { iv?: Uint8Array; padding: boolean },
): { ciphertext: Uint8Array; iv: Uint8Array } {
  if (opts.padding) requireBytes(plaintext, "plaintext");
  else requireWholeBlocks(plaintext, "plaintext");
  const iv = opts.iv === undefined ? new Uint8Array(randomBytes(AES_BLOCK_BYTES)) : exactLength(opts.iv, AES_BLOCK_BYTES, "iv");
  const cipher = createCipheriv(cipherName(key), key.k, iv);
  cipher.setAutoPadding(opts.padding);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
  return { ciphertext, iv: Uint8Array.from(iv) };
}

export function aesCbcDecrypt(key: OctKey, ciphertext: Uint8Array, opts: { iv?: Uint8Array; padding: boolean }): Uint8Array {
  requireWholeBlocks(ciphertext, "ciphertext");
  const iv = exactLength(opts.iv, AES_BLOCK_BYTES, "iv");
  const decipher = createDecipheriv(cipherName(key), key.k, iv);
  decipher.setAutoPadding(false);
  const padded = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (!opts.padding) return padded;
  const padLength = pkcs7PadLength(padded.subarray(padded.length - AES_BLOCK_BYTES));
  if (padLength === 0) {
    padded.fill(0);
    throw cryptoFailure();
  }
  return padded.slice(0, padded.length - padLength);
}

/**
 * The PKCS#7 pad length of the last block, or 0 when the padding is invalid.
 * Every byte of the block is examined whatever the pad value.
 */
function pkcs7PadLength(lastBlock: Uint8Array): number {
  const pad = lastBlock[AES_BLOCK_BYTES - 1] ?? 0;
  // Nonzero unless 1 <= pad <= 16.
  let bad = (pad - 1) >>> 4;
  for (let i = 0; i < AES_BLOCK_BYTES; i++) {
    const fromEnd = AES_BLOCK_BYTES - 1 - i;
    const inPadding = ((fromEnd - pad) >> 31) & 1;
    bad |= inPadding * ((lastBlock[i] ?? 0) ^ pad);
  }
  const ok = ((bad | -bad) >>> 31) ^ 1;
  return pad * ok;
}
