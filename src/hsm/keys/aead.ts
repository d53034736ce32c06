/**
 * The one authenticated-encryption format of keys at rest, the node seal and
 * key backups: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV and a
 * 128-bit tag, laid out as `iv ‖ ciphertext ‖ tag`. Random IVs are safe here:
 * each key encrypts far fewer than 2^32 messages (SP 800-38D section 8.3).
 */
import { GCM_IV_BYTES, GCM_TAG_BYTES, aesGcmDecrypt, aesGcmEncrypt } from "../../crypto/aes/gcm.js";
import { concatBytes } from "../../crypto/bytes.js";
import type { OctKey } from "../../crypto/jwk.js";
import { KeyholdError } from "../../errors.js";

export const AEAD_KEY_BYTES = 32;

/** The GCM scheme takes AES-128 and AES-192 keys too; this format is AES-256 only. */
function isAeadKey(key: Uint8Array): boolean {
  return key.length === AEAD_KEY_BYTES;
}

function octKey(key: Uint8Array): OctKey {
  return { kty: "oct", k: key };
}

export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (!isAeadKey(key)) throw new KeyholdError("InternalError", `An AEAD key must be ${AEAD_KEY_BYTES} bytes.`);
  const { iv, ciphertext, tag } = aesGcmEncrypt(octKey(key), plaintext, { aad });
  return concatBytes(iv, ciphertext, tag);
}

/** The plaintext, or undefined when the blob was altered, truncated, or sealed under another key or AAD. */
export function aeadOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (!isAeadKey(key) || sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) return undefined;
  const iv = sealed.subarray(0, GCM_IV_BYTES);
  const ciphertext = sealed.subarray(GCM_IV_BYTES, sealed.length - GCM_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - GCM_TAG_BYTES);
  try {
    return aesGcmDecrypt(octKey(key), ciphertext, { iv, aad, tag });
  } catch {
    return undefined;
  }
}
