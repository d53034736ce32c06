/**
 * RSAES-PKCS1-v1_5 (RFC 8017 section 7.2) with implicit rejection.
 *
 * Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, the
 * Marvin attack): an error on bad padding, or a timing difference, is a
 * Bleichenbacher oracle. We decrypt with a raw private operation and unpad
 * with implicit rejection as OpenSSL 3.2+ does (draft-irtf-cfrg-rsa-guidance,
 * "implicit rejection"): a ciphertext with bad padding yields a deterministic
 * pseudo-random message derived from the private key and the ciphertext,
 * never an error, so the caller cannot tell good padding from bad.
 *
 * What still leaks: the length of the returned message (real or synthetic;
 * the synthetic length is pseudo-random so this does not mark bad padding);
 * JavaScript's JIT may reintroduce branches in the masked loops below; and
 * and whether the ciphertext is below n (public values only).
 * Callers must treat the output as untrusted: RSA1_5 is kept for
 * compatibility, RSA-OAEP-256 is the algorithm to use.
 */
import { createHmac, randomBytes } from "node:crypto";
import { badParameter, cryptoFailure } from "../../errors.js";
import { concatBytes, leftPad } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "../providers/types.js";
import { equalMask, isZeroMask, lessThanMask, select } from "./constant-time.js";
import { hash, isRepresentative, privateOperation, publicOperation } from "./primitives.js";

const MIN_PADDING = 8;

function pkcs1MaxMessageLength(key: RsaPublicKey): number {
  return key.byteLength - 11;
}

export function pkcs1Encrypt(provider: RsaProvider, key: RsaPublicKey, message: Uint8Array, field = "plaintext"): Uint8Array {
  const k = key.byteLength;
  const max = pkcs1MaxMessageLength(key);
  if (message.length > max) throw badParameter(field, `must be at most ${max} bytes for this key and algorithm`);
  const ps = new Uint8Array(k - message.length - 3);
  for (let filled = 0; filled < ps.length; ) {
    for (const byte of randomBytes(ps.length - filled)) if (byte !== 0 && filled < ps.length) ps[filled++] = byte;
  }
  return publicOperation(provider, key, concatBytes(Uint8Array.of(0x00, 0x02), ps, Uint8Array.of(0x00), message));
}

/** The PRF of the implicit-rejection construction: HMAC-SHA-256 in counter mode. */
function prf(kdk: Uint8Array, label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const bitLengthBytes = Uint8Array.of((length * 8) >>> 8, (length * 8) & 0xff);
  for (let offset = 0, i = 0; offset < length; i++, offset += 32) {
    const block = createHmac("sha256", kdk)
      .update(Uint8Array.of(i >>> 8, i & 0xff))
      .update(label)
      .update(bitLengthBytes)
      .digest();
    out.set(block.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}

/** kdk = HMAC-SHA-256(SHA-256(d as k bytes), ciphertext as k bytes). */
function keyDerivationKey(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const k = key.byteLength;
  return new Uint8Array(
    createHmac("sha256", hash("SHA-256", leftPad(key.d, k)))
      .update(ciphertext)
      .digest(),
  );
}

/** The synthetic message length: the last of 128 candidates below k - 10, taken without branching. */
function syntheticLength(kdk: Uint8Array, k: number): number {
  const candidates = prf(kdk, "length", 256);
  const maxLength = k - 2 - MIN_PADDING;
  let lengthMask = maxLength;
  for (const shift of [1, 2, 4, 8]) lengthMask |= lengthMask >> shift;
  let length = 0;
  for (let i = 0; i < candidates.length; i += 2) {
    const candidate = ((candidates[i]! << 8) | candidates[i + 1]!) & lengthMask;
    length = select(lessThanMask(candidate, maxLength), candidate, length);
  }
  return length;
}

export function pkcs1Decrypt(provider: RsaProvider, key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const k = key.byteLength;
  // A ciphertext of the wrong length or not below n is refused openly, as
  // OpenSSL does: both depend only on public values.
  if (!isRepresentative(key, ciphertext)) throw cryptoFailure();
  const em = privateOperation(provider, key, ciphertext);
  const kdk = keyDerivationKey(key, ciphertext);
  const synthetic = prf(kdk, "message", k);
  const synthLength = syntheticLength(kdk, k);

  let good = isZeroMask(em[0]!) & equalMask(em[1]!, 2);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isZero = isZeroMask(em[i]!);
    zeroIndex = select(~found & isZero, i, zeroIndex);
    found |= isZero;
  }
  good &= found & ~lessThanMask(zeroIndex, 2 + MIN_PADDING);
  const start = select(good, zeroIndex + 1, k - synthLength);
  const length = k - start;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = select(good, em[start + i]!, synthetic[start + i]!);
  em.fill(0);
  synthetic.fill(0);
  return out;
}
