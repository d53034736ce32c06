/**
 * The one algorithm registry: nothing else decides what an algorithm name
 * means. Names are the Key Vault / JWA strings (RFC 7518, Key Vault 7.6).
 * A null-prototype table, as in panva/jose, so `"toString" in ALGORITHMS` is false.
 */
import { badParameter } from "../errors.js";

export type KeyType = "RSA" | "EC" | "oct";
export type KeyOperation = "sign" | "verify" | "encrypt" | "decrypt" | "wrapKey" | "unwrapKey";
export type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";
export type CurveName = "P-256" | "P-256K" | "P-384" | "P-521";

export type Scheme =
  | "RSASSA-PSS"
  | "RSASSA-PKCS1-v1_5"
  | "RSAES-OAEP"
  | "RSAES-PKCS1-v1_5"
  | "ECDSA"
  | "HMAC"
  | "AES-GCM"
  | "AES-CBC"
  | "AES-CBC-PAD"
  | "AES-KW"
  | "AES-KWP";

export interface AlgorithmSpec {
  readonly name: string;
  readonly kty: KeyType;
  readonly scheme: Scheme;
  /** Hash of a signature scheme (the digest it signs) or of OAEP / MGF1. */
  readonly hash?: HashName;
  /** ECDSA: the one curve this algorithm is defined on. */
  readonly curve?: CurveName;
  /** oct: the exact key length in bits, when the algorithm fixes it. */
  readonly keyBits?: number;
  /** The pair of operations it serves; RSA encryption algorithms serve both pairs. */
  readonly operations: readonly KeyOperation[];
}

export const HASH_BYTES: Readonly<Record<HashName, number>> = Object.freeze({
  "SHA-1": 20,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
});

/** node:crypto digest names. */
export const NODE_HASH: Readonly<Record<HashName, string>> = Object.freeze({
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
});

export interface CurveSpec {
  readonly name: CurveName;
  /** OpenSSL / node:crypto curve name. */
  readonly nodeName: string;
  /** Bytes of a field element and of a scalar (r and s each, in r‖s). */
  readonly coordinateBytes: number;
  readonly scalarBytes: number;
}

export const CURVES: Readonly<Record<CurveName, CurveSpec>> = Object.freeze({
  "P-256": { name: "P-256", nodeName: "prime256v1", coordinateBytes: 32, scalarBytes: 32 },
  "P-256K": { name: "P-256K", nodeName: "secp256k1", coordinateBytes: 32, scalarBytes: 32 },
  "P-384": { name: "P-384", nodeName: "secp384r1", coordinateBytes: 48, scalarBytes: 48 },
  "P-521": { name: "P-521", nodeName: "secp521r1", coordinateBytes: 66, scalarBytes: 66 },
});

/** JWK curve names we accept, mapped to ours: `secp256k1` is the RFC 8812 name of P-256K. */
const CURVE_ALIASES: Readonly<Record<string, CurveName>> = Object.assign(Object.create(null) as Record<string, CurveName>, {
  "P-256": "P-256",
  "P-256K": "P-256K",
  SECP256K1: "P-256K",
  secp256k1: "P-256K",
  "P-384": "P-384",
  "P-521": "P-521",
});

export function curveByName(crv: unknown, field = "crv"): CurveSpec {
  const name = typeof crv === "string" ? CURVE_ALIASES[crv] : undefined;
  if (name === undefined) throw badParameter(field, "must be one of P-256, P-256K, P-384, P-521");
  return CURVES[name];
}

export const RSA_MODULUS_BITS: readonly number[] = [2048, 3072, 4096];
export const OCT_KEY_BITS: readonly number[] = [128, 192, 256];

const SIGN: readonly KeyOperation[] = ["sign", "verify"];
const ENCRYPT: readonly KeyOperation[] = ["encrypt", "decrypt"];
const WRAP: readonly KeyOperation[] = ["wrapKey", "unwrapKey"];
const ENCRYPT_AND_WRAP: readonly KeyOperation[] = [...ENCRYPT, ...WRAP];

function table(specs: AlgorithmSpec[]): Readonly<Record<string, AlgorithmSpec>> {
  const out = Object.create(null) as Record<string, AlgorithmSpec>;
  for (const spec of specs) out[spec.name] = Object.freeze(spec);
  return Object.freeze(out);
}

function aesFamily(suffix: string, scheme: Scheme, operations: readonly KeyOperation[]): AlgorithmSpec[] {
  return OCT_KEY_BITS.map((bits) => ({ name: `A${bits}${suffix}`, kty: "oct" as const, scheme, keyBits: bits, operations }));
}

export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = table([
  { name: "PS256", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-256", operations: SIGN },
  { name: "PS384", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-384", operations: SIGN },
  { name: "PS512", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-512", operations: SIGN },
  { name: "RS256", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-256", operations: SIGN },
  { name: "RS384", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-384", operations: SIGN },
  { name: "RS512", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-512", operations: SIGN },
  { name: "RSA-OAEP", kty: "RSA", scheme: "RSAES-OAEP", hash: "SHA-1", operations: ENCRYPT_AND_WRAP },
  { name: "RSA-OAEP-256", kty: "RSA", scheme: "RSAES-OAEP", hash: "SHA-256", operations: ENCRYPT_AND_WRAP },
  { name: "RSA1_5", kty: "RSA", scheme: "RSAES-PKCS1-v1_5", operations: ENCRYPT_AND_WRAP },
  { name: "ES256", kty: "EC", scheme: "ECDSA", hash: "SHA-256", curve: "P-256", operations: SIGN },
  { name: "ES256K", kty: "EC", scheme: "ECDSA", hash: "SHA-256", curve: "P-256K", operations: SIGN },
  { name: "ES384", kty: "EC", scheme: "ECDSA", hash: "SHA-384", curve: "P-384", operations: SIGN },
  { name: "ES512", kty: "EC", scheme: "ECDSA", hash: "SHA-512", curve: "P-521", operations: SIGN },
  { name: "HS256", kty: "oct", scheme: "HMAC", hash: "SHA-256", operations: SIGN },
  { name: "HS384", kty: "oct", scheme: "HMAC", hash: "SHA-384", operations: SIGN },
  { name: "HS512", kty: "oct", scheme: "HMAC", hash: "SHA-512", operations: SIGN },
  ...aesFamily("GCM", "AES-GCM", ENCRYPT),
  ...aesFamily("CBC", "AES-CBC", ENCRYPT),
  ...aesFamily("CBCPAD", "AES-CBC-PAD", ENCRYPT),
  ...aesFamily("KW", "AES-KW", WRAP),
  // RFC 3394 and RFC 5649 under their PKCS#11 names: any AES key size.
  { name: "CKM_AES_KEY_WRAP", kty: "oct", scheme: "AES-KW", operations: WRAP },
  { name: "CKM_AES_KEY_WRAP_PAD", kty: "oct", scheme: "AES-KWP", operations: WRAP },
]);

export const ALGORITHM_NAMES: readonly string[] = Object.freeze(Object.keys(ALGORITHMS));

/** The spec of `name`, or BadParameter naming `field` when the name is unknown. */
export function algorithmByName(name: unknown, field = "algorithm"): AlgorithmSpec {
  const spec = typeof name === "string" ? ALGORITHMS[name] : undefined;
  if (spec === undefined) throw badParameter(field, `unknown algorithm; expected one of ${ALGORITHM_NAMES.join(", ")}`);
  return spec;
}

/** The spec of `name` if it serves `operation`, else BadParameter naming `field`. */
export function algorithmFor(name: unknown, operation: KeyOperation, field = "algorithm"): AlgorithmSpec {
  const spec = algorithmByName(name, field);
  if (!spec.operations.includes(operation)) {
    throw badParameter(field, `${spec.name} cannot be used to ${operation}`);
  }
  return spec;
}
