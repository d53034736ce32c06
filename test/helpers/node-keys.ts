/** Our JWKs as node:crypto KeyObjects, for checks against OpenSSL. */
import { createPrivateKey, type JsonWebKey as NodeJsonWebKey, type KeyObject } from "node:crypto";
import type { JsonWebKey } from "../../src/crypto/jwk.js";

export function nodePrivateKey(jwk: JsonWebKey): KeyObject {
  // OpenSSL names P-256K by its SEC 2 name.
  const key = (jwk.crv === "P-256K" ? { ...jwk, crv: "secp256k1" } : jwk) as NodeJsonWebKey;
  return createPrivateKey({ key, format: "jwk" });
}
