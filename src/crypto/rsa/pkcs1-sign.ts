/**
 * RSASSA-PKCS1-v1_5 over a precomputed digest (RFC 8017 sections 8.2 and
 * 9.2): the service builds the DigestInfo itself, as Key Vault does.
 * Verification re-encodes and compares the whole block instead of parsing it,
 * so BER variants, trailing garbage and short padding cannot slip through.
 */
import type { HashName } from "../algorithms.js";
import { concatBytes, equalBytes } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "../providers/types.js";
import { isRepresentative, privateOperation, publicOperation } from "./primitives.js";

/** DER of DigestInfo up to the digest (RFC 8017 section 9.2, note 1). */
const DIGEST_INFO_PREFIX: Readonly<Record<HashName, Uint8Array>> = Object.freeze({
  "SHA-1": Buffer.from("3021300906052b0e03021a05000414", "hex"),
  "SHA-256": Buffer.from("3031300d060960864801650304020105000420", "hex"),
  "SHA-384": Buffer.from("3041300d060960864801650304020205000430", "hex"),
  "SHA-512": Buffer.from("3051300d060960864801650304020305000440", "hex"),
});

/** EMSA-PKCS1-v1_5-ENCODE: 0x00 0x01 FF..FF 0x00 DigestInfo. */
export function encode(hashName: HashName, digest: Uint8Array, emLen: number): Uint8Array {
  const t = concatBytes(DIGEST_INFO_PREFIX[hashName], digest);
  const ps = new Uint8Array(emLen - t.length - 3).fill(0xff);
  return concatBytes(Uint8Array.of(0x00, 0x01), ps, Uint8Array.of(0x00), t);
}

export function pkcs1Sign(provider: RsaProvider, key: RsaPrivateKey, hashName: HashName, digest: Uint8Array): Uint8Array {
  return privateOperation(provider, key, encode(hashName, digest, key.byteLength));
}

export function pkcs1Verify(
  provider: RsaProvider,
  key: RsaPublicKey,
  hashName: HashName,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isRepresentative(key, signature)) return false;
  return equalBytes(publicOperation(provider, key, signature), encode(hashName, digest, key.byteLength));
}
