/**
 * AES-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag, the only
 * shapes Key Vault accepts. A caller-chosen IV is the caller's responsibility:
 * reusing one with the same key breaks confidentiality and authenticity.
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from "node:crypto";
import { cryptoFailure } from "../../errors.js";
import { exactLength, requireBytes } from "../bytes.js";
import type { OctKey } from "../jwk.js";

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

const EMPTY = new Uint8Array(0);

export interface AesGcmSealed {
  readonly ciphertext: Uint8Array;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
}

function cipherName(key: OctKey): CipherGCMTypes {
  return `aes-${key.k.length * 8}-gcm` as CipherGCMTypes;
}

export function aesGcmEncrypt(key: OctKey, plaintext: Uint8Array, opts: { iv?: Uint8Array; aad?: Uint8Array } = {}): AesGcmSealed {
  requireBytes(plaintext, "plaintext");
  const iv = opts.iv === undefined ? new Uint8Array(randomBytes(GCM_IV_BYTES)) : exactLength(opts.iv, GCM_IV_BYTES, "iv");
  const aad = opts.aad === undefined ? EMPTY : requireBytes(opts.aad, "aad");
  const cipher = createCipheriv(cipherName(key), key.k, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
  return { ciphertext, iv: Uint8Array.from(iv), tag: new Uint8Array(cipher.getAuthTag()) };
}

/** Any authentication failure is the one generic CryptoFailure (nothing about why). */
export function aesGcmDecrypt(
  key: OctKey,
  ciphertext: Uint8Array,
  opts: { iv?: Uint8Array; aad?: Uint8Array; tag?: Uint8Array },
): Uint8Array {
  requireBytes(ciphertext, "ciphertext");
  const iv = exactLength(opts.iv, GCM_IV_BYTES, "iv");
  const tag = exactLength(opts.tag, GCM_TAG_BYTES, "tag");
  const aad = opts.aad === undefined ? EMPTY : requireBytes(opts.aad, "aad");
  const decipher = createDecipheriv(cipherName(key), key.k, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    return new Uint8Array(Buffer.concat([plaintext, decipher.final()]));
  } catch {
    plaintext.fill(0);
    throw cryptoFailure();
  }
}
