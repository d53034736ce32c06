/**
 * Scalar conversions shared by both ECDSA providers, so that they interpret a
 * digest, a private key and a signature identically (SEC 1 v2 section 4.1).
 */
import { badParameter } from "../../errors.js";
import type { CurveSpec } from "../algorithms.js";
import { bitLength, bytesToBigInt, requireBytes } from "../bytes.js";
import type { EcPrivateKey } from "../jwk.js";

/**
 * bits2int of SEC 1 section 4.1.3 step 5 (and RFC 6979 section 2.3.2): the
 * leftmost bitlen(n) bits of the digest. The result may exceed n; callers
 * reduce it mod n, which is what ECDSA uses.
 */
export function digestToInteger(digest: Uint8Array, n: bigint): bigint {
  assertDigest(digest);
  const excessBits = digest.length * 8 - bitLength(n);
  const value = bytesToBigInt(digest);
  return excessBits > 0 ? value >> BigInt(excessBits) : value;
}

/** A digest is caller input: bytes, and not empty (its length per algorithm is checked by the caller). */
export function assertDigest(digest: unknown): asserts digest is Uint8Array {
  if (requireBytes(digest, "digest").length === 0) throw badParameter("digest", "must not be empty");
}

/** The private scalar d, refused unless 1 <= d < n (jwk.ts checks only its length). */
export function privateScalar(key: EcPrivateKey, n: bigint): bigint {
  const d = bytesToBigInt(key.d);
  if (d < 1n || d >= n) throw badParameter("jwk.d", `is not a valid private scalar for ${key.curve.name}`);
  return d;
}

/** r and s of an r‖s signature, or undefined unless both are in [1, n-1] (SEC 1 section 4.1.4 step 1). */
export function signatureScalars(curve: CurveSpec, n: bigint, signature: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== 2 * curve.scalarBytes) return undefined;
  const r = bytesToBigInt(signature.subarray(0, curve.scalarBytes));
  const s = bytesToBigInt(signature.subarray(curve.scalarBytes));
  if (r < 1n || r >= n || s < 1n || s >= n) return undefined;
  return { r, s };
}
