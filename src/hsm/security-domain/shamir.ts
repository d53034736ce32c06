/**
 * Shamir secret sharing ("How to Share a Secret", A. Shamir, CACM 22(11), 1979)
 * over GF(2^8), independently for each byte of the secret: byte i of the secret
 * is the constant term of a random polynomial of degree `required` - 1, share x
 * holds its value at x (x = 1..count). Any `required` shares determine the
 * polynomial and so the secret (Lagrange interpolation at 0); fewer are
 * consistent with every value of every secret byte, each through exactly one
 * polynomial, so they reveal nothing about it (the paper's section 2 argument).
 *
 * All coefficients, the leading one included, are uniform bytes: a leading zero
 * merely lowers the degree, and excluding it would bias the shares.
 */
import { randomBytes } from "node:crypto";
import { badParameter } from "../../errors.js";
import { gfInverse, gfMul } from "./gf256.js";

export interface Share {
  /** The evaluation point, 1..255; public. */
  readonly x: number;
  /** The polynomials' values at x, one byte per secret byte; secret. */
  readonly y: Uint8Array;
}

export const MIN_QUORUM = 2;
export const MAX_SHARES = 10;

export type RandomSource = (length: number) => Uint8Array;

const secureRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/** Splits `secret` into `count` shares of which any `required` reconstruct it (2 <= required <= count <= 10). */
export function splitSecret(secret: Uint8Array, required: number, count: number, random: RandomSource = secureRandom): Share[] {
  if (!(secret instanceof Uint8Array) || secret.length === 0) throw badParameter("secret", "must be a non-empty byte array");
  if (!Number.isInteger(count) || count < MIN_QUORUM || count > MAX_SHARES) {
    throw badParameter("count", `must be an integer from ${MIN_QUORUM} to ${MAX_SHARES}`);
  }
  if (!Number.isInteger(required) || required < MIN_QUORUM || required > count) {
    throw badParameter("required", `must be an integer from ${MIN_QUORUM} to ${count}`);
  }
  const degree = required - 1;
  // coefficients[i * degree + (k - 1)] is the x^k coefficient of byte i's polynomial.
  const coefficients = random(secret.length * degree);
  if (coefficients.length !== secret.length * degree) throw new RangeError("the random source returned the wrong number of bytes");
  const shares: Share[] = [];
  for (let x = 1; x <= count; x++) {
    const y = new Uint8Array(secret.length);
    for (let i = 0; i < secret.length; i++) {
      // Horner's rule from the highest coefficient down to the secret byte.
      let value = 0;
      for (let k = degree; k >= 1; k--) value = gfMul(value, x) ^ coefficients[i * degree + k - 1]!;
      y[i] = gfMul(value, x) ^ secret[i]!;
    }
    shares.push({ x, y });
  }
  coefficients.fill(0);
  return shares;
}

function checkShares(shares: readonly Share[], required: number): number {
  if (!Number.isInteger(required) || required < MIN_QUORUM) throw badParameter("required", `must be an integer of at least ${MIN_QUORUM}`);
  if (shares.length < required) throw badParameter("shares", `${shares.length} given, but ${required} are required`);
  const seen = new Set<number>();
  const length = shares[0]!.y.length;
  shares.forEach((share, index) => {
    if (!Number.isInteger(share.x) || share.x < 1 || share.x > 255)
      throw badParameter(`shares[${index}].x`, "must be an integer from 1 to 255");
    if (seen.has(share.x)) throw badParameter(`shares[${index}].x`, `repeats x = ${share.x}; each share must be a different one`);
    seen.add(share.x);
    if (!(share.y instanceof Uint8Array) || share.y.length === 0 || share.y.length !== length) {
      throw badParameter(`shares[${index}].y`, "must be non-empty and as long as the other shares");
    }
  });
  return length;
}

/**
 * The secret from at least `required` shares: f(0) = sum of y_i · prod_{j != i} x_j / (x_j - x_i),
 * where subtraction in GF(2^8) is XOR. The Lagrange weights depend only on the public x values.
 */
export function combineShares(shares: readonly Share[], required: number): Uint8Array {
  const length = checkShares(shares, required);
  const weights = shares.map((share, i) => {
    let numerator = 1;
    let denominator = 1;
    shares.forEach((other, j) => {
      if (j === i) return;
      numerator = gfMul(numerator, other.x);
      denominator = gfMul(denominator, other.x ^ share.x);
    });
    return gfMul(numerator, gfInverse(denominator));
  });
  const secret = new Uint8Array(length);
  for (let b = 0; b < length; b++) {
    let value = 0;
    shares.forEach((share, i) => {
      value ^= gfMul(share.y[b]!, weights[i]!);
    });
    secret[b] = value;
  }
  return secret;
}
