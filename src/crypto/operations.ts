/**
 * The crypto core's operations: algorithm name + JWK in, bytes out. Each
 * function looks the algorithm up in the registry, checks that it fits the
 * key and the input, and hands the work to one scheme. Caller mistakes throw
 * BadParameter naming the field; attacker-controlled input to verify yields
 * `false`, and to decrypt/unwrap the one generic CryptoFailure.
 */
import { randomBytes } from "node:crypto";
import { badParameter } from "../errors.js";
import {
  ALGORITHMS,
  type AlgorithmSpec,
  algorithmFor,
  curveByName,
  type EcdsaSpec,
  HASH_BYTES,
  OCT_KEY_BITS,
  type SpecFor,
} from "./algorithms.js";
import { aesCbcDecrypt, aesCbcEncrypt } from "./aes/cbc.js";
import { aesGcmDecrypt, aesGcmEncrypt } from "./aes/gcm.js";
import { aesKeyUnwrap, aesKeyUnwrapPad, aesKeyWrap, aesKeyWrapPad } from "./aes/kw.js";
import { requireBytes, toBase64Url } from "./bytes.js";
import { generateEcKey } from "./ec/keygen.js";
import { hmacSign, hmacVerify } from "./hmac.js";
import {
  type EcPrivateKey,
  type EcPublicKey,
  type JsonWebKey,
  type OctKey,
  parseEcPrivateKey,
  parseEcPublicKey,
  parseOctKey,
  parseRsaPrivateKey,
  parseRsaPublicKey,
} from "./jwk.js";
import { type EcProvider, ecProvider, rsaProvider } from "./providers/index.js";
import { generateRsaKey } from "./rsa/keygen.js";
import { oaepDecrypt, oaepEncrypt } from "./rsa/oaep.js";
import { pkcs1Decrypt, pkcs1Encrypt } from "./rsa/pkcs1-encrypt.js";
import { pkcs1Sign, pkcs1Verify } from "./rsa/pkcs1-sign.js";
import { pssSign, pssVerify } from "./rsa/pss.js";

export interface CryptoOptions {
  /** `native`, `wasm` (RSA) or `noble` (EC); the configured default when absent. */
  provider?: string;
}

export interface EncryptOptions extends CryptoOptions {
  iv?: Uint8Array;
  aad?: Uint8Array;
}

export interface DecryptOptions extends EncryptOptions {
  tag?: Uint8Array;
}

export interface EncryptResult {
  ciphertext: Uint8Array;
  iv?: Uint8Array;
  tag?: Uint8Array;
}

export type GenerateKeyType = "RSA" | "EC" | "oct";

export async function generateKey(kty: GenerateKeyType, opts: { size?: number; crv?: string } = {}): Promise<JsonWebKey> {
  switch (kty) {
    case "RSA":
      return generateRsaKey(opts.size ?? 2048);
    case "EC":
      return generateEcKey(curveByName(opts.crv ?? "P-256"));
    case "oct": {
      const bits = opts.size ?? 256;
      if (!OCT_KEY_BITS.includes(bits)) throw badParameter("size", "oct keys are 128, 192 or 256 bits");
      return { kty: "oct", k: toBase64Url(randomBytes(bits / 8)) };
    }
    default:
      throw badParameter("kty", "must be RSA, EC or oct");
  }
}

/** The algorithms that sign a digest, each with its hash. */
type SignatureSpec = SpecFor<"sign">;
/** RSAES-OAEP and RSAES-PKCS1-v1_5: they encrypt and wrap alike. */
type RsaEncryptionSpec = Extract<SpecFor<"encrypt">, { readonly kty: "RSA" }>;

function checkDigest(spec: SignatureSpec, digest: unknown): Uint8Array {
  const bytes = requireBytes(digest, "digest");
  const expected = HASH_BYTES[spec.hash];
  if (bytes.length !== expected) throw badParameter("digest", `must be ${expected} bytes for ${spec.name} (got ${bytes.length})`);
  return bytes;
}

function checkCurve(spec: EcdsaSpec, key: EcPublicKey): void {
  if (key.curve.name !== spec.curve) throw badParameter("algorithm", `${spec.name} needs a ${spec.curve} key, not ${key.curve.name}`);
}

function checkOctSize(spec: AlgorithmSpec, key: OctKey): void {
  if (spec.keyBits !== undefined && key.k.length * 8 !== spec.keyBits) {
    throw badParameter("algorithm", `${spec.name} needs a ${spec.keyBits}-bit key, not ${key.k.length * 8}-bit`);
  }
}

/** Symmetric schemes run on node:crypto only; naming another provider is a caller mistake. */
function checkSymmetricProvider(opts: CryptoOptions): void {
  if (opts.provider !== undefined && opts.provider !== "native") throw badParameter("provider", "AES and HMAC run on native only");
}

/** Options that the algorithm does not take are refused rather than silently ignored. */
function refuseUnused(spec: AlgorithmSpec, opts: DecryptOptions, allowed: readonly ("iv" | "aad" | "tag")[]): void {
  for (const field of ["iv", "aad", "tag"] as const) {
    if (opts[field] !== undefined && !allowed.includes(field)) throw badParameter(field, `is not used by ${spec.name}`);
    if (opts[field] !== undefined) requireBytes(opts[field], field);
  }
}

export async function sign(alg: string, privateJwk: JsonWebKey, digest: Uint8Array, opts: CryptoOptions = {}): Promise<Uint8Array> {
  const spec = algorithmFor(alg, "sign");
  const input = checkDigest(spec, digest);
  switch (spec.scheme) {
    case "RSASSA-PSS":
      return pssSign(rsaProvider(opts.provider), parseRsaPrivateKey(privateJwk), spec.hash, input);
    case "RSASSA-PKCS1-v1_5":
      return pkcs1Sign(rsaProvider(opts.provider), parseRsaPrivateKey(privateJwk), spec.hash, input);
    case "ECDSA": {
      const { provider, key } = ecdsaSigner(spec, privateJwk, opts);
      return provider.sign(key, input);
    }
    case "HMAC":
      checkSymmetricProvider(opts);
      return hmacSign(spec.hash, parseOctKey(privateJwk), input);
  }
}

function ecdsaSigner(spec: EcdsaSpec, privateJwk: JsonWebKey, opts: CryptoOptions): { provider: EcProvider; key: EcPrivateKey } {
  const key = parseEcPrivateKey(privateJwk);
  checkCurve(spec, key);
  return { provider: ecProvider(opts.provider), key };
}

/**
 * `sign` for many digests with one key and one algorithm: each digest's signature or its own error, in order, as
 * `Promise.allSettled` reports them (a digest of the wrong length fails alone; an unusable algorithm, key or
 * provider fails every item). ECDSA digests go to the provider together, so that a batch pays for what signatures
 * can share (the native provider: one modular inversion for all the nonces); other algorithms sign one by one.
 */
export async function signBatch(
  alg: string,
  privateJwk: JsonWebKey,
  digests: readonly Uint8Array[],
  opts: CryptoOptions = {},
): Promise<PromiseSettledResult<Uint8Array>[]> {
  const spec = typeof alg === "string" ? ALGORITHMS[alg] : undefined;
  if (spec?.scheme !== "ECDSA") return Promise.allSettled(digests.map((digest) => sign(alg, privateJwk, digest, opts)));
  const failed = (reason: unknown): PromiseRejectedResult => ({ status: "rejected", reason });
  let signer: ReturnType<typeof ecdsaSigner>;
  try {
    signer = ecdsaSigner(spec, privateJwk, opts);
  } catch (error) {
    return digests.map(() => failed(error));
  }
  const results: (PromiseSettledResult<Uint8Array> | undefined)[] = digests.map((digest) => {
    try {
      checkDigest(spec, digest);
      return undefined;
    } catch (error) {
      return failed(error);
    }
  });
  const accepted = digests.filter((_, i) => results[i] === undefined);
  let signatures: Uint8Array[];
  try {
    signatures = signer.provider.signBatch(signer.key, accepted);
  } catch (error) {
    return results.map((result) => result ?? failed(error));
  }
  return results.map((result) => result ?? { status: "fulfilled", value: signatures.shift() as Uint8Array });
}

export async function verify(
  alg: string,
  publicJwk: JsonWebKey,
  digest: Uint8Array,
  signature: Uint8Array,
  opts: CryptoOptions = {},
): Promise<boolean> {
  const spec = algorithmFor(alg, "verify");
  const input = checkDigest(spec, digest);
  const sig = requireBytes(signature, "signature");
  switch (spec.scheme) {
    case "RSASSA-PSS":
      return pssVerify(rsaProvider(opts.provider), parseRsaPublicKey(publicJwk), spec.hash, input, sig);
    case "RSASSA-PKCS1-v1_5":
      return pkcs1Verify(rsaProvider(opts.provider), parseRsaPublicKey(publicJwk), spec.hash, input, sig);
    case "ECDSA": {
      const key = parseEcPublicKey(publicJwk);
      checkCurve(spec, key);
      return ecProvider(opts.provider).verify(key, input, sig);
    }
    case "HMAC":
      checkSymmetricProvider(opts);
      return hmacVerify(spec.hash, parseOctKey(publicJwk), input, sig);
  }
}

function rsaEncrypt(spec: RsaEncryptionSpec, jwk: JsonWebKey, data: Uint8Array, opts: CryptoOptions, field: string): Uint8Array {
  const provider = rsaProvider(opts.provider);
  const key = parseRsaPublicKey(jwk);
  return spec.scheme === "RSAES-OAEP" ? oaepEncrypt(provider, key, spec.hash, data, field) : pkcs1Encrypt(provider, key, data, field);
}

function rsaDecrypt(spec: RsaEncryptionSpec, jwk: JsonWebKey, data: Uint8Array, opts: CryptoOptions): Uint8Array {
  const provider = rsaProvider(opts.provider);
  const key = parseRsaPrivateKey(jwk);
  return spec.scheme === "RSAES-OAEP" ? oaepDecrypt(provider, key, spec.hash, data) : pkcs1Decrypt(provider, key, data);
}

export async function encrypt(alg: string, jwk: JsonWebKey, plaintext: Uint8Array, opts: EncryptOptions = {}): Promise<EncryptResult> {
  const spec = algorithmFor(alg, "encrypt");
  const data = requireBytes(plaintext, "plaintext");
  if (spec.kty === "RSA") {
    refuseUnused(spec, opts, []);
    return { ciphertext: rsaEncrypt(spec, jwk, data, opts, "plaintext") };
  }
  checkSymmetricProvider(opts);
  const key = parseOctKey(jwk);
  checkOctSize(spec, key);
  if (spec.scheme === "AES-GCM") {
    refuseUnused(spec, opts, ["iv", "aad"]);
    return aesGcmEncrypt(key, data, { iv: opts.iv, aad: opts.aad });
  }
  refuseUnused(spec, opts, ["iv"]);
  return aesCbcEncrypt(key, data, { iv: opts.iv, padding: spec.scheme === "AES-CBC-PAD" });
}

export async function decrypt(alg: string, jwk: JsonWebKey, ciphertext: Uint8Array, opts: DecryptOptions = {}): Promise<Uint8Array> {
  const spec = algorithmFor(alg, "decrypt");
  const data = requireBytes(ciphertext, "ciphertext");
  if (spec.kty === "RSA") {
    refuseUnused(spec, opts, []);
    return rsaDecrypt(spec, jwk, data, opts);
  }
  checkSymmetricProvider(opts);
  const key = parseOctKey(jwk);
  checkOctSize(spec, key);
  if (spec.scheme === "AES-GCM") {
    refuseUnused(spec, opts, ["iv", "aad", "tag"]);
    return aesGcmDecrypt(key, data, { iv: opts.iv, aad: opts.aad, tag: opts.tag });
  }
  refuseUnused(spec, opts, ["iv"]);
  return aesCbcDecrypt(key, data, { iv: opts.iv, padding: spec.scheme === "AES-CBC-PAD" });
}

/** The key-encryption key of an AES wrapping algorithm, checked against the length the algorithm fixes. */
function kekFor(spec: AlgorithmSpec, jwk: JsonWebKey): OctKey {
  const kek = parseOctKey(jwk);
  checkOctSize(spec, kek);
  return kek;
}

export async function wrapKey(alg: string, jwk: JsonWebKey, keyToWrap: Uint8Array, opts: CryptoOptions = {}): Promise<Uint8Array> {
  const spec = algorithmFor(alg, "wrapKey");
  if (spec.kty === "RSA") return rsaEncrypt(spec, jwk, requireBytes(keyToWrap, "key"), opts, "key");
  const kek = kekFor(spec, jwk);
  const data = requireBytes(keyToWrap, "key");
  checkSymmetricProvider(opts);
  return spec.scheme === "AES-KW" ? aesKeyWrap(kek, data) : aesKeyWrapPad(kek, data);
}

export async function unwrapKey(alg: string, jwk: JsonWebKey, wrapped: Uint8Array, opts: CryptoOptions = {}): Promise<Uint8Array> {
  const spec = algorithmFor(alg, "unwrapKey");
  if (spec.kty === "RSA") return rsaDecrypt(spec, jwk, requireBytes(wrapped, "wrapped_key"), opts);
  const kek = kekFor(spec, jwk);
  const data = requireBytes(wrapped, "wrapped_key");
  checkSymmetricProvider(opts);
  return spec.scheme === "AES-KW" ? aesKeyUnwrap(kek, data) : aesKeyUnwrapPad(kek, data);
}
