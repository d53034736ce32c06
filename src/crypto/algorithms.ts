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

/** The pairs of operations an algorithm can serve. */
type SignOperation = "sign" | "verify";
type EncryptOperation = "encrypt" | "decrypt";
type WrapOperation = "wrapKey" | "unwrapKey";

/** The operations of each scheme; an algorithm serves its scheme's (RSA encryption schemes serve both pairs). */
interface SchemeOperations {
  readonly "RSASSA-PSS": SignOperation;
  readonly "RSASSA-PKCS1-v1_5": SignOperation;
  readonly "RSAES-OAEP": EncryptOperation | WrapOperation;
  readonly "RSAES-PKCS1-v1_5": EncryptOperation | WrapOperation;
  readonly ECDSA: SignOperation;
  readonly HMAC: SignOperation;
  readonly "AES-GCM": EncryptOperation;
  readonly "AES-CBC": EncryptOperation;
  readonly "AES-CBC-PAD": EncryptOperation;
  readonly "AES-KW": WrapOperation;
  readonly "AES-KWP": WrapOperation;
}

type Scheme = keyof SchemeOperations;

/** What every algorithm has: its name, key type, scheme and the operations it serves. */
interface Spec<K extends KeyType, S extends Scheme> {
  readonly name: string;
  readonly kty: K;
  readonly scheme: S;
  /** Its scheme's operations (`SchemeOperations`). */
  readonly operations: readonly KeyOperation[];
}

/**
 * The fields a scheme does not have, declared absent: code that looks over every algorithm (`spec.hash ===
 * undefined`, `s.curve === crv`) reads them as undefined, and a scheme that has one cannot lose it.
 */
interface NoHash {
  readonly hash?: never;
}
interface NoCurve {
  readonly curve?: never;
}
interface NoKeyBits {
  readonly keyBits?: never;
}

/** RSASSA-PSS (RFC 8017 section 8.1): MGF1 with the same hash, salt as long as the digest. */
interface RsaPssSpec extends Spec<"RSA", "RSASSA-PSS">, NoCurve, NoKeyBits {
  /** The digest it signs and MGF1's hash. */
  readonly hash: HashName;
}

/** RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2). */
interface RsaPkcs1SignatureSpec extends Spec<"RSA", "RSASSA-PKCS1-v1_5">, NoCurve, NoKeyBits {
  readonly hash: HashName;
}

/** RSAES-OAEP (RFC 8017 section 7.1), MGF1 with the same hash. */
interface RsaOaepSpec extends Spec<"RSA", "RSAES-OAEP">, NoCurve, NoKeyBits {
  readonly hash: HashName;
}

/** RSAES-PKCS1-v1_5 (RFC 8017 section 7.2): no hash. */
interface RsaPkcs1EncryptionSpec extends Spec<"RSA", "RSAES-PKCS1-v1_5">, NoHash, NoCurve, NoKeyBits {}

/** ECDSA (RFC 7518 section 3.4) on the one curve the algorithm names. */
export interface EcdsaSpec extends Spec<"EC", "ECDSA">, NoKeyBits {
  readonly hash: HashName;
  readonly curve: CurveName;
}

/** HMAC (RFC 7518 section 3.2), any oct key size. */
interface HmacSpec extends Spec<"oct", "HMAC">, NoCurve, NoKeyBits {
  readonly hash: HashName;
}

type AesScheme = "AES-GCM" | "AES-CBC" | "AES-CBC-PAD" | "AES-KW" | "AES-KWP";

/** AES under one scheme; `keyBits` when the name fixes the key length (A256GCM), absent when any length serves. */
interface AesSpec<S extends AesScheme> extends Spec<"oct", S>, NoHash, NoCurve {
  readonly keyBits?: number;
}

/** One case per scheme: a scheme's fields (hash, curve) are present by type where the scheme has them. */
export type AlgorithmSpec =
  | RsaPssSpec
  | RsaPkcs1SignatureSpec
  | RsaOaepSpec
  | RsaPkcs1EncryptionSpec
  | EcdsaSpec
  | HmacSpec
  | AesSpec<"AES-GCM">
  | AesSpec<"AES-CBC">
  | AesSpec<"AES-CBC-PAD">
  | AesSpec<"AES-KW">
  | AesSpec<"AES-KWP">;

/** The algorithms that can serve `operation`: `SpecFor<"sign">` is the signature schemes, each with its hash. */
export type SpecFor<O extends KeyOperation> = Serving<AlgorithmSpec, O>;
type Serving<S, O> = S extends { readonly scheme: infer N extends Scheme } ? (O extends SchemeOperations[N] ? S : never) : never;

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

const SIGN: readonly SignOperation[] = ["sign", "verify"];
const ENCRYPT: readonly EncryptOperation[] = ["encrypt", "decrypt"];
const WRAP: readonly WrapOperation[] = ["wrapKey", "unwrapKey"];

const OPERATIONS: { readonly [S in Scheme]: readonly SchemeOperations[S][] } = {
  "RSASSA-PSS": SIGN,
  "RSASSA-PKCS1-v1_5": SIGN,
  "RSAES-OAEP": [...ENCRYPT, ...WRAP],
  "RSAES-PKCS1-v1_5": [...ENCRYPT, ...WRAP],
  ECDSA: SIGN,
  HMAC: SIGN,
  "AES-GCM": ENCRYPT,
  "AES-CBC": ENCRYPT,
  "AES-CBC-PAD": ENCRYPT,
  "AES-KW": WRAP,
  "AES-KWP": WRAP,
};

/** A table entry: an algorithm without its operations, which its scheme gives. */
type Entry<S = AlgorithmSpec> = S extends AlgorithmSpec ? Omit<S, "operations"> : never;

function table(entries: readonly Entry[]): Readonly<Record<string, AlgorithmSpec>> {
  const out = Object.create(null) as Record<string, AlgorithmSpec>;
  for (const entry of entries) out[entry.name] = Object.freeze({ ...entry, operations: OPERATIONS[entry.scheme] });
  return Object.freeze(out);
}

function aesFamily<S extends AesScheme>(suffix: string, scheme: S): Omit<AesSpec<S>, "operations">[] {
  return OCT_KEY_BITS.map((bits) => ({ name: `A${bits}${suffix}`, kty: "oct", scheme, keyBits: bits }));
}

export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = table([
  { name: "PS256", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-256" },
  { name: "PS384", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-384" },
  { name: "PS512", kty: "RSA", scheme: "RSASSA-PSS", hash: "SHA-512" },
  { name: "RS256", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  { name: "RS384", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  { name: "RS512", kty: "RSA", scheme: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  { name: "RSA-OAEP", kty: "RSA", scheme: "RSAES-OAEP", hash: "SHA-1" },
  { name: "RSA-OAEP-256", kty: "RSA", scheme: "RSAES-OAEP", hash: "SHA-256" },
  { name: "RSA1_5", kty: "RSA", scheme: "RSAES-PKCS1-v1_5" },
  { name: "ES256", kty: "EC", scheme: "ECDSA", hash: "SHA-256", curve: "P-256" },
  { name: "ES256K", kty: "EC", scheme: "ECDSA", hash: "SHA-256", curve: "P-256K" },
  { name: "ES384", kty: "EC", scheme: "ECDSA", hash: "SHA-384", curve: "P-384" },
  { name: "ES512", kty: "EC", scheme: "ECDSA", hash: "SHA-512", curve: "P-521" },
  { name: "HS256", kty: "oct", scheme: "HMAC", hash: "SHA-256" },
  { name: "HS384", kty: "oct", scheme: "HMAC", hash: "SHA-384" },
  { name: "HS512", kty: "oct", scheme: "HMAC", hash: "SHA-512" },
  ...aesFamily("GCM", "AES-GCM"),
  ...aesFamily("CBC", "AES-CBC"),
  ...aesFamily("CBCPAD", "AES-CBC-PAD"),
  ...aesFamily("KW", "AES-KW"),
  // RFC 3394 and RFC 5649 under their PKCS#11 names: any AES key size.
  { name: "CKM_AES_KEY_WRAP", kty: "oct", scheme: "AES-KW" },
  { name: "CKM_AES_KEY_WRAP_PAD", kty: "oct", scheme: "AES-KWP" },
]);

export const ALGORITHM_NAMES: readonly string[] = Object.freeze(Object.keys(ALGORITHMS));

/** The spec of `name`, or BadParameter naming `field` when the name is unknown. */
export function algorithmByName(name: unknown, field = "algorithm"): AlgorithmSpec {
  const spec = typeof name === "string" ? ALGORITHMS[name] : undefined;
  if (spec === undefined) throw badParameter(field, `unknown algorithm; expected one of ${ALGORITHM_NAMES.join(", ")}`);
  return spec;
}

/**
 * The spec of `name` if it serves `operation`, else BadParameter naming `field`. The type follows the check: a
 * spec's operations are its scheme's (`table`), so one that serves `operation` is a `SpecFor<O>`.
 */
export function algorithmFor<O extends KeyOperation>(name: unknown, operation: O, field = "algorithm"): SpecFor<O> {
  const spec = algorithmByName(name, field);
  if (!spec.operations.includes(operation)) {
    throw badParameter(field, `${spec.name} cannot be used to ${operation}`);
  }
  return spec as SpecFor<O>;
}
