/**
 * RSA building blocks shared by every scheme (RFC 8017): input checks around
 * the provider's raw operation, MGF1 and the hash function.
 */
import { hash as oneShotHash } from "node:crypto";
import { type HashName, NODE_HASH } from "../algorithms.js";
import { bytesToBigInt, concatBytes } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "../providers/types.js";

// node:crypto's one-shot hash: a padding's hashes are over a few dozen bytes, where createHash().update().digest()
// costs about a third more per hash and a PSS or OAEP padding takes eight or more of them.
export function hash(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(oneShotHash(NODE_HASH[name], parts.length === 1 ? parts[0]! : concatBytes(...parts), "buffer"));
}

/** MGF1 (RFC 8017 appendix B.2.1). */
export function mgf1(hashName: HashName, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  // seed || counter, the counter rewritten in place for each block.
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  const counter = new DataView(input.buffer, seed.length, 4);
  for (let offset = 0, i = 0; offset < length; i++) {
    counter.setUint32(0, i);
    const block = oneShotHash(NODE_HASH[hashName], input, "buffer");
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/**
 * True when `value` (exactly k bytes) is a representative below n. Used on
 * attacker-controlled signatures and ciphertexts before the raw operation
 * (RFC 8017 sections 5.1.2 and 5.2.2 step 1). Whether the check failed is
 * public: it depends only on public values.
 */
export function isRepresentative(key: RsaPublicKey, value: Uint8Array): boolean {
  return value.length === key.byteLength && bytesToBigInt(value) < bytesToBigInt(key.n);
}

/** RSASP1 / RSADP: the private operation through the chosen provider. */
export function privateOperation(provider: RsaProvider, key: RsaPrivateKey, input: Uint8Array): Uint8Array {
  return provider.privateOp(key, input);
}

/** RSAVP1 / RSAEP: the public operation through the chosen provider. */
export function publicOperation(provider: RsaProvider, key: RsaPublicKey, input: Uint8Array): Uint8Array {
  return provider.publicOp(key, input);
}
