/** The four curves of Key Vault, as @noble/curves v2 objects, and point validation. */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { badParameter } from "../../errors.js";
import type { CurveName, CurveSpec } from "../algorithms.js";
import { bytesToBigInt } from "../bytes.js";

export type NobleCurve = typeof p256;

export const NOBLE_CURVES: Readonly<Record<CurveName, NobleCurve>> = Object.freeze({
  "P-256": p256,
  "P-256K": secp256k1 as unknown as NobleCurve,
  "P-384": p384 as unknown as NobleCurve,
  "P-521": p521 as unknown as NobleCurve,
});

/** Curve order n, field prime p and coefficient a of y² = x³ + ax + b. */
export interface CurveParameters {
  readonly n: bigint;
  readonly p: bigint;
  readonly a: bigint;
}

export function curveParameters(curve: CurveSpec): CurveParameters {
  return NOBLE_CURVES[curve.name].Point.CURVE();
}

/**
 * Refuses coordinates that are not a point of the curve (or are the point at
 * infinity, or out of the field): an invalid-curve point would let an attacker
 * learn private scalars through operations on it.
 */
export function assertPointOnCurve(curve: CurveSpec, x: Uint8Array, y: Uint8Array, field: string): void {
  try {
    NOBLE_CURVES[curve.name].Point.fromAffine({ x: bytesToBigInt(x), y: bytesToBigInt(y) }).assertValidity();
  } catch {
    throw badParameter(`${field}.x`, `(x, y) is not a point on ${curve.name}`);
  }
}

/**
 * Refuses a private scalar outside [1, n-1] or one whose public point is not
 * (x, y): a JWK whose halves disagree would sign with one key while its
 * public part promises another.
 */
export function assertPrivateScalarMatches(curve: CurveSpec, d: Uint8Array, x: Uint8Array, y: Uint8Array, field: string): void {
  const scalar = bytesToBigInt(d);
  const { n } = curveParameters(curve);
  if (scalar < 1n || scalar >= n) throw badParameter(`${field}.d`, `is not a valid ${curve.name} private key`);
  const point = NOBLE_CURVES[curve.name].Point.BASE.multiply(scalar).toAffine();
  if (point.x !== bytesToBigInt(x) || point.y !== bytesToBigInt(y)) {
    throw badParameter(`${field}.d`, "does not match the public point (x, y)");
  }
}
