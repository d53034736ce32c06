/**
 * Affine point addition on y² = x³ + ax + b over GF(p) in plain bigints, for
 * the native provider's verification (which gets its scalar multiples from
 * OpenSSL and only has to add two points). Variable time: it only ever sees
 * public values (signature, digest, public key).
 */
import { mod, modInverse } from "./modular.js";

/** An affine point; null is the point at infinity. */
export type AffinePoint = { readonly x: bigint; readonly y: bigint } | null;

export interface CurveField {
  readonly p: bigint;
  readonly a: bigint;
}

/** P + Q with every case of the group law: either at infinity, P = −Q, and doubling. */
export function addPoints(P: AffinePoint, Q: AffinePoint, field: CurveField): AffinePoint {
  if (P === null) return Q;
  if (Q === null) return P;
  const { p, a } = field;
  let slope: bigint;
  if (P.x === Q.x) {
    // Same x: Q is P or −P. P + (−P) = ∞, and a point with y = 0 doubles to ∞.
    if (mod(P.y + Q.y, p) === 0n) return null;
    slope = mod((3n * P.x * P.x + a) * modInverse(2n * P.y, p), p);
  } else {
    slope = mod((Q.y - P.y) * modInverse(Q.x - P.x, p), p);
  }
  const x = mod(slope * slope - P.x - Q.x, p);
  const y = mod(slope * (P.x - x) - P.y, p);
  return { x, y };
}
