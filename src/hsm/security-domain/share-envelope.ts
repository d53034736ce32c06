/**
 * How one share travels, in the downloaded security domain (blob.ts) and in
 * the restore blob alike: its y is encrypted with AES-256-GCM under a fresh
 * 256-bit key, and that key with RSA-OAEP-256 (RFC 8017 section 7.1) to the
 * recipient's public key; binary members are base64url. Each caller brings
 * the additional data that binds the share to its own header.
 */
import { randomBytes } from "node:crypto";
import { aesGcmDecrypt, aesGcmEncrypt } from "../../crypto/aes/gcm.js";
import { fromBase64Url, toBase64Url } from "../../crypto/bytes.js";
import { decrypt, encrypt, type JsonWebKey } from "../../crypto/index.js";
import { cryptoFailure } from "../../errors.js";

const SHARE_KEY_BYTES = 32;

export interface ShareEnvelope {
  readonly encryptedKey: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export async function sealShareEnvelope(y: Uint8Array, publicKey: JsonWebKey, aad: Uint8Array): Promise<ShareEnvelope> {
  const shareKey = new Uint8Array(randomBytes(SHARE_KEY_BYTES));
  try {
    const sealed = aesGcmEncrypt({ kty: "oct", k: shareKey }, y, { aad });
    const { ciphertext: encryptedKey } = await encrypt("RSA-OAEP-256", publicKey, shareKey);
    return {
      encryptedKey: toBase64Url(encryptedKey),
      iv: toBase64Url(sealed.iv),
      ciphertext: toBase64Url(sealed.ciphertext),
      tag: toBase64Url(sealed.tag),
    };
  } finally {
    shareKey.fill(0);
  }
}

/** The share's y; a changed byte anywhere in the envelope (or in what `aad` binds) is the generic CryptoFailure. */
export async function openShareEnvelope(
  envelope: ShareEnvelope,
  privateKey: JsonWebKey,
  aad: Uint8Array,
  field: string,
): Promise<Uint8Array> {
  const shareKey = await decrypt("RSA-OAEP-256", privateKey, fromBase64Url(envelope.encryptedKey, `${field}.encryptedKey`));
  try {
    if (shareKey.length !== SHARE_KEY_BYTES) throw cryptoFailure();
    return aesGcmDecrypt({ kty: "oct", k: shareKey }, fromBase64Url(envelope.ciphertext, `${field}.ciphertext`), {
      iv: fromBase64Url(envelope.iv, `${field}.iv`),
      tag: fromBase64Url(envelope.tag, `${field}.tag`),
      aad,
    });
  } finally {
    shareKey.fill(0);
  }
}
