/**
 * JSON Web Keys (RFC 7517/7518) in and out of the crypto core. Every JWK that
 * reaches a scheme is parsed here once: fields decoded, sizes checked, RSA
 * private keys checked for consistency and EC points checked to be on the
 * curve. Parsed keys are cached per JWK object, so callers that keep their
 * JWK objects (the worker key cache) pay for validation once.
 */
import { badParameter } from "../errors.js";
import { curveByName, OCT_KEY_BITS, RSA_MODULUS_BITS, type CurveSpec, type KeyType } from "./algorithms.js";
import { bitLength, bytesToBigInt, fromBase64Url, stripLeadingZeros } from "./bytes.js";
import { assertPointOnCurve, assertPrivateScalarMatches } from "./ec/curves.js";

/** A JWK as JSON carries it: integers and keys as base64url strings. */
export interface JsonWebKey {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  ext?: boolean;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
}

export interface RsaPublicKey {
  readonly kty: "RSA";
  readonly n: Uint8Array;
  readonly e: Uint8Array;
  /** Modulus length in bytes (k in RFC 8017). */
  readonly byteLength: number;
  readonly bits: number;
}

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: Uint8Array;
  readonly p: Uint8Array;
  readonly q: Uint8Array;
  readonly dp: Uint8Array;
  readonly dq: Uint8Array;
  readonly qi: Uint8Array;
}

export interface EcPublicKey {
  readonly kty: "EC";
  readonly curve: CurveSpec;
  /** Affine coordinates, each exactly curve.coordinateBytes long. */
  readonly x: Uint8Array;
  readonly y: Uint8Array;
}

export interface EcPrivateKey extends EcPublicKey {
  readonly d: Uint8Array;
}

export interface OctKey {
  readonly kty: "oct";
  readonly k: Uint8Array;
}

/** Key Vault's key types map onto the three JWK families. */
const KTY_FAMILY: Readonly<Record<string, KeyType>> = Object.assign(Object.create(null) as Record<string, KeyType>, {
  RSA: "RSA",
  "RSA-HSM": "RSA",
  EC: "EC",
  "EC-HSM": "EC",
  oct: "oct",
  "oct-HSM": "oct",
});

export function keyTypeOf(jwk: unknown, field = "jwk"): KeyType {
  if (typeof jwk !== "object" || jwk === null) throw badParameter(field, "must be a JSON Web Key object");
  const kty = (jwk as { kty?: unknown }).kty;
  const family = typeof kty === "string" ? KTY_FAMILY[kty] : undefined;
  if (family === undefined) throw badParameter(`${field}.kty`, "must be one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM");
  return family;
}

const RSA_EXPONENT = 65537n;

type Parsed = RsaPublicKey | RsaPrivateKey | EcPublicKey | EcPrivateKey | OctKey;
const publicCache = new WeakMap<object, Parsed>();
const privateCache = new WeakMap<object, Parsed>();

/** A hit counts only for the same family: one JWK object may be asked for as RSA, then as EC. */
function cached<T extends Parsed>(cache: WeakMap<object, Parsed>, jwk: object, kty: KeyType, parse: () => T): T {
  const hit = cache.get(jwk);
  if (hit !== undefined && hit.kty === kty) return hit as T;
  const parsed = parse();
  cache.set(jwk, parsed);
  return parsed;
}

function integer(jwk: JsonWebKey, name: keyof JsonWebKey, field: string): Uint8Array {
  const bytes = fromBase64Url(jwk[name], `${field}.${name}`);
  if (bytes.length === 0) throw badParameter(`${field}.${name}`, "must not be empty");
  return stripLeadingZeros(bytes);
}

export function parseRsaPublicKey(jwk: JsonWebKey, field = "jwk"): RsaPublicKey {
  return cached(publicCache, jwk, "RSA", () => {
    if (keyTypeOf(jwk, field) !== "RSA") throw badParameter(`${field}.kty`, "must be an RSA key for this algorithm");
    const n = integer(jwk, "n", field);
    const e = integer(jwk, "e", field);
    const bits = bitLength(bytesToBigInt(n));
    if (!RSA_MODULUS_BITS.includes(bits)) throw badParameter(`${field}.n`, "modulus must be 2048, 3072 or 4096 bits");
    if (bytesToBigInt(e) !== RSA_EXPONENT) throw badParameter(`${field}.e`, "public exponent must be 65537");
    return { kty: "RSA", n, e, bits, byteLength: bits / 8 };
  });
}

/**
 * Checks what RFC 8017 section 3.2 requires of a private key: n = p·q,
 * d·e ≡ 1 (mod λ(n)) via the CRT exponents dp = d mod (p-1), dq = d mod (q-1)
 * with e·dp ≡ 1 (mod p-1), and qi·q ≡ 1 (mod p).
 */
export function parseRsaPrivateKey(jwk: JsonWebKey, field = "jwk"): RsaPrivateKey {
  return cached(privateCache, jwk, "RSA", () => {
    const pub = parseRsaPublicKey(jwk, field);
    const parts = {
      d: integer(jwk, "d", field),
      p: integer(jwk, "p", field),
      q: integer(jwk, "q", field),
      dp: integer(jwk, "dp", field),
      dq: integer(jwk, "dq", field),
      qi: integer(jwk, "qi", field),
    };
    const [n, d, p, q, dp, dq, qi] = [pub.n, parts.d, parts.p, parts.q, parts.dp, parts.dq, parts.qi].map(bytesToBigInt) as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    const half = pub.bits / 2;
    if (bitLength(p) !== half || bitLength(q) !== half) throw badParameter(`${field}.p`, "p and q must each be half the modulus size");
    if (p * q !== n) throw badParameter(`${field}.p`, "p·q does not equal n");
    if (d <= 1n || d >= n) throw badParameter(`${field}.d`, "is out of range");
    if (dp !== d % (p - 1n) || (RSA_EXPONENT * dp) % (p - 1n) !== 1n) throw badParameter(`${field}.dp`, "is inconsistent with d and p");
    if (dq !== d % (q - 1n) || (RSA_EXPONENT * dq) % (q - 1n) !== 1n) throw badParameter(`${field}.dq`, "is inconsistent with d and q");
    if ((qi * q) % p !== 1n || qi >= p) throw badParameter(`${field}.qi`, "is not the inverse of q modulo p");
    return { ...pub, ...parts };
  });
}

function coordinate(jwk: JsonWebKey, name: "x" | "y" | "d", curve: CurveSpec, field: string): Uint8Array {
  const bytes = fromBase64Url(jwk[name], `${field}.${name}`);
  const expected = name === "d" ? curve.scalarBytes : curve.coordinateBytes;
  if (bytes.length !== expected) throw badParameter(`${field}.${name}`, `must be ${expected} bytes for ${curve.name}`);
  return bytes;
}

export function parseEcPublicKey(jwk: JsonWebKey, field = "jwk"): EcPublicKey {
  return cached(publicCache, jwk, "EC", () => {
    if (keyTypeOf(jwk, field) !== "EC") throw badParameter(`${field}.kty`, "must be an EC key for this algorithm");
    const curve = curveByName(jwk.crv, `${field}.crv`);
    const x = coordinate(jwk, "x", curve, field);
    const y = coordinate(jwk, "y", curve, field);
    assertPointOnCurve(curve, x, y, field);
    return { kty: "EC", curve, x, y };
  });
}

export function parseEcPrivateKey(jwk: JsonWebKey, field = "jwk"): EcPrivateKey {
  return cached(privateCache, jwk, "EC", () => {
    const pub = parseEcPublicKey(jwk, field);
    const d = coordinate(jwk, "d", pub.curve, field);
    assertPrivateScalarMatches(pub.curve, d, pub.x, pub.y, field);
    return { ...pub, d };
  });
}

export function parseOctKey(jwk: JsonWebKey, field = "jwk"): OctKey {
  return cached(privateCache, jwk, "oct", () => {
    if (keyTypeOf(jwk, field) !== "oct") throw badParameter(`${field}.kty`, "must be an oct (symmetric) key for this algorithm");
    const k = fromBase64Url(jwk.k, `${field}.k`);
    if (!OCT_KEY_BITS.includes(k.length * 8)) throw badParameter(`${field}.k`, "must be 16, 24 or 32 bytes");
    return { kty: "oct", k };
  });
}

/** The public members of a JWK (what may leave the service). */
export function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const family = keyTypeOf(jwk);
  if (family === "oct") throw badParameter("jwk.kty", "symmetric keys have no public part");
  const { kty, kid, crv, x, y, n, e, key_ops } = jwk;
  const out: JsonWebKey = { kty };
  if (kid !== undefined) out.kid = kid;
  if (key_ops !== undefined) out.key_ops = [...key_ops];
  if (family === "RSA") Object.assign(out, { n, e });
  else Object.assign(out, { crv, x, y });
  return out;
}
