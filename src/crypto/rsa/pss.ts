/**
 * RSASSA-PSS over a precomputed digest (RFC 8017 sections 8.1 and 9.1), with
 * MGF1 over the same hash and a salt as long as the hash, as Key Vault uses.
 */
import { HASH_BYTES, type HashName } from "../algorithms.js";
import { concatBytes, equalBytes } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "../providers/types.js";
import { freshRandomBytes } from "../random-pool.js";
import { hash, isRepresentative, mgf1, privateOperation, publicOperation } from "./primitives.js";

const ZERO_PREFIX = new Uint8Array(8);

/** EMSA-PSS-ENCODE (section 9.1.1) with emBits = modBits - 1. */
function encode(hashName: HashName, digest: Uint8Array, salt: Uint8Array, modBits: number): Uint8Array {
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = HASH_BYTES[hashName];
  const h = hash(hashName, ZERO_PREFIX, digest, salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1(hashName, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

export function pssSign(provider: RsaProvider, key: RsaPrivateKey, hashName: HashName, digest: Uint8Array): Uint8Array {
  const salt = freshRandomBytes(HASH_BYTES[hashName]);
  const em = encode(hashName, digest, salt, key.bits);
  // emLen = k when modBits is a multiple of 8 (all supported sizes); the top bit is clear so EM < n.
  return privateOperation(provider, key, em);
}

/** EMSA-PSS-VERIFY (section 9.1.2). Every failure is `false`. */
export function pssVerify(
  provider: RsaProvider,
  key: RsaPublicKey,
  hashName: HashName,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isRepresentative(key, signature)) return false;
  const em = publicOperation(provider, key, signature);
  const emBits = key.bits - 1;
  const hLen = HASH_BYTES[hashName];
  const sLen = hLen;
  const emLen = em.length;
  if (emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const topMask = 0xff >>> (8 * emLen - emBits);
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const dbMask = mgf1(hashName, h, maskedDb.length);
  const db = maskedDb.map((byte, i) => byte ^ dbMask[i]!);
  db[0]! &= topMask;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return equalBytes(hash(hashName, ZERO_PREFIX, digest, salt), h);
}
