/**
 * RSAES-OAEP (RFC 8017 section 7.1) with MGF1 over the same hash and an empty
 * label (Key Vault takes no label: a ciphertext made with another label fails
 * to decrypt like any other bad ciphertext).
 */
import { randomBytes } from "node:crypto";
import { badParameter, cryptoFailure } from "../../errors.js";
import { HASH_BYTES, type HashName } from "../algorithms.js";
import { concatBytes } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "../providers/types.js";
import { equalMask, isZeroMask, select } from "./constant-time.js";
import { hash, isRepresentative, mgf1, privateOperation, publicOperation } from "./primitives.js";

const EMPTY = new Uint8Array(0);

function oaepMaxMessageLength(key: RsaPublicKey, hashName: HashName): number {
  return key.byteLength - 2 * HASH_BYTES[hashName] - 2;
}

export function oaepEncrypt(
  provider: RsaProvider,
  key: RsaPublicKey,
  hashName: HashName,
  message: Uint8Array,
  field = "plaintext",
): Uint8Array {
  const k = key.byteLength;
  const hLen = HASH_BYTES[hashName];
  const max = oaepMaxMessageLength(key, hashName);
  if (message.length > max) throw badParameter(field, `must be at most ${max} bytes for this key and algorithm`);
  const db = concatBytes(hash(hashName, EMPTY), new Uint8Array(k - message.length - 2 * hLen - 2), Uint8Array.of(1), message);
  const seed = new Uint8Array(randomBytes(hLen));
  const dbMask = mgf1(hashName, seed, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  const seedMask = mgf1(hashName, db, hLen);
  for (let i = 0; i < hLen; i++) seed[i]! ^= seedMask[i]!;
  return publicOperation(provider, key, concatBytes(Uint8Array.of(0), seed, db));
}

/**
 * Decryption (section 7.1.2). The checks are accumulated into one mask and
 * the separator is found without an early exit, so the error is the same,
 * and takes about as long, whichever check failed (Manger's attack needs to
 * tell "first byte non-zero" from the others). The message length is
 * revealed by the result, as it must be.
 */
export function oaepDecrypt(provider: RsaProvider, key: RsaPrivateKey, hashName: HashName, ciphertext: Uint8Array): Uint8Array {
  const k = key.byteLength;
  const hLen = HASH_BYTES[hashName];
  if (k < 2 * hLen + 2 || !isRepresentative(key, ciphertext)) throw cryptoFailure();
  const em = privateOperation(provider, key, ciphertext);
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seedMask = mgf1(hashName, maskedDb, hLen);
  const seed = maskedSeed.map((b, i) => b ^ seedMask[i]!);
  const dbMask = mgf1(hashName, seed, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!);
  const lHash = hash(hashName, EMPTY);

  let good = isZeroMask(em[0]!);
  for (let i = 0; i < hLen; i++) good &= equalMask(db[i]!, lHash[i]!);
  // Find the first 0x01 after the zero padding; any other non-zero byte before it is bad.
  let found = 0;
  let separator = 0;
  let badPadding = 0;
  for (let i = hLen; i < db.length; i++) {
    const isOne = equalMask(db[i]!, 1);
    const isZero = isZeroMask(db[i]!);
    separator = select(~found & isOne, i, separator);
    badPadding |= ~found & ~isOne & ~isZero;
    found |= isOne;
  }
  good &= found & ~badPadding;
  em.fill(0);
  if (good !== -1) {
    db.fill(0);
    throw cryptoFailure();
  }
  const message = db.slice(separator + 1);
  db.fill(0);
  return message;
}
