/**
 * HMAC (RFC 2104) for HS256/384/512. As in Key Vault, the MAC is computed over
 * the bytes the caller sends (for sign/verify that is the digest), not over a
 * message hashed here.
 */
import { createHmac } from "node:crypto";
import { NODE_HASH, type HashName } from "./algorithms.js";
import { equalBytes, requireBytes } from "./bytes.js";
import type { OctKey } from "./jwk.js";

export function hmacSign(hash: HashName, key: OctKey, data: Uint8Array): Uint8Array {
  requireBytes(data, "digest");
  return new Uint8Array(createHmac(NODE_HASH[hash], key.k).update(data).digest());
}

/** Constant-time comparison; a MAC of the wrong length (public) is simply false. */
export function hmacVerify(hash: HashName, key: OctKey, data: Uint8Array, mac: Uint8Array): boolean {
  const expected = hmacSign(hash, key, data);
  return mac instanceof Uint8Array && equalBytes(expected, mac);
}
