/**
 * Test-only ECDSA constructions with chosen nonces, to reach the edge cases of
 * verification (u1 = 0, u2 = 1, u2 = n−1, doubling, R = ∞) that random
 * signatures never hit. Uses noble's point arithmetic, not the code under test.
 */
import { CURVES, type CurveName } from "../../../src/crypto/algorithms.js";
import { bigIntToBytes, bitLength, bytesToBigInt, concatBytes } from "../../../src/crypto/bytes.js";
import { curveParameters, NOBLE_CURVES } from "../../../src/crypto/ec/curves.js";
import { parseEcPrivateKey, type EcPrivateKey } from "../../../src/crypto/jwk.js";
import { EC_FIXTURES } from "../../helpers/keys.js";

export const CURVE_NAMES: readonly CurveName[] = ["P-256", "P-256K", "P-384", "P-521"];

export function fixture(name: CurveName): EcPrivateKey {
  return parseEcPrivateKey(EC_FIXTURES[name]);
}

export function order(name: CurveName): bigint {
  return curveParameters(CURVES[name]).n;
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function inverse(a: bigint, n: bigint): bigint {
  let result = 1n;
  let base = mod(a, n);
  for (let e = n - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % n;
    base = (base * base) % n;
  }
  return result;
}

/** A digest whose bits2int is exactly z (z < n): z shifted left past the bits bits2int drops. */
function digestFor(name: CurveName, z: bigint): Uint8Array {
  const bytes = CURVES[name].scalarBytes;
  return bigIntToBytes(z << BigInt(bytes * 8 - bitLength(order(name))), bytes);
}

export function encodeSignature(name: CurveName, r: bigint, s: bigint): Uint8Array {
  const bytes = CURVES[name].scalarBytes;
  return concatBytes(bigIntToBytes(r, bytes), bigIntToBytes(s, bytes));
}

/** r = x(k·G) mod n for the nonce k. */
function rFromNonce(name: CurveName, k: bigint): bigint {
  return mod(NOBLE_CURVES[name].Point.BASE.multiply(k).toAffine().x, order(name));
}

export type EdgeCase = "u1 = 0" | "u2 = 1" | "u2 = n-1" | "u1·G = u2·Q (doubling)";

/** A valid (digest, signature) whose verification takes the named path, for nonce k. */
export function edgeCaseSignature(name: CurveName, edge: EdgeCase, k: bigint): { digest: Uint8Array; signature: Uint8Array } {
  const n = order(name);
  const d = bytesToBigInt(fixture(name).d);
  const r = rFromNonce(name, k);
  // s = k⁻¹(z + r·d); pick z so that u1 = z/s and u2 = r/s take the wanted values.
  const z = {
    "u1 = 0": 0n,
    "u2 = 1": mod(r * k - r * d, n), // s = r
    "u2 = n-1": mod(-r * k - r * d, n), // s = −r
    "u1·G = u2·Q (doubling)": mod(r * d, n), // z·G = r·Q
  }[edge];
  const s = mod(inverse(k, n) * (z + r * d), n);
  return { digest: digestFor(name, z), signature: encodeSignature(name, r, s) };
}

/** A digest for which R = u1·G + u2·Q is the point at infinity, whatever (r, s): z = −r·d. */
export function infinityDigest(name: CurveName, r: bigint): Uint8Array {
  const n = order(name);
  return digestFor(name, mod(-r * bytesToBigInt(fixture(name).d), n));
}
