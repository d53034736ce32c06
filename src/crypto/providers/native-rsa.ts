/**
 * The native RSA provider: the raw RSA operations of OpenSSL (through
 * node:crypto with RSA_NO_PADDING), with padding done by our schemes. OpenSSL
 * blinds the private operation and verifies the CRT result before release.
 */
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, type KeyObject } from "node:crypto";
import { toBase64Url } from "../bytes.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "./types.js";

const privateKeys = new WeakMap<RsaPrivateKey, KeyObject>();
const publicKeys = new WeakMap<RsaPublicKey, KeyObject>();

function privateKeyObject(key: RsaPrivateKey): KeyObject {
  let keyObject = privateKeys.get(key);
  if (keyObject === undefined) {
    const { n, e, d, p, q, dp, dq, qi } = key;
    const jwk = Object.fromEntries(Object.entries({ n, e, d, p, q, dp, dq, qi }).map(([name, value]) => [name, toBase64Url(value)]));
    keyObject = createPrivateKey({ key: { kty: "RSA", ...jwk }, format: "jwk" });
    privateKeys.set(key, keyObject);
  }
  return keyObject;
}

function publicKeyObject(key: RsaPublicKey): KeyObject {
  let keyObject = publicKeys.get(key);
  if (keyObject === undefined) {
    keyObject = createPublicKey({ key: { kty: "RSA", n: toBase64Url(key.n), e: toBase64Url(key.e) }, format: "jwk" });
    publicKeys.set(key, keyObject);
  }
  return keyObject;
}

export const nativeRsaProvider: RsaProvider = Object.freeze({
  name: "native" as const,
  privateOp(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
    return new Uint8Array(privateDecrypt({ key: privateKeyObject(key), padding: constants.RSA_NO_PADDING }, input));
  },
  publicOp(key: RsaPublicKey, input: Uint8Array): Uint8Array {
    return new Uint8Array(publicEncrypt({ key: publicKeyObject(key), padding: constants.RSA_NO_PADDING }, input));
  },
});
