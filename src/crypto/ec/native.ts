/**
 * ECDSA with OpenSSL (node:crypto) doing the scalar multiplications.
 *
 * Why it exists: a second implementation, independent of @noble/curves, to
 * test the two against each other, and OpenSSL's speed for k·G and u·Q.
 * node:crypto cannot sign or verify a caller-supplied digest with ECDSA (it
 * always hashes), so the ECDSA equations (SEC 1 v2 sections 4.1.3 and 4.1.4)
 * are written here and only the point multiplications go to OpenSSL through
 * ECDH: `setPrivateKey(k)` + `getPublicKey()` is k·G as a full point, and
 * `computeSecret(Q)` is the x-coordinate of k·Q.
 *
 * What leaks: the arithmetic on k, d and s below is JavaScript bigint, which is
 * not constant time (the same is true of noble). The inversion input is blinded
 * (s = (b·k)⁻¹·(b·z + b·d·r)) so its timing is decorrelated from k, but the
 * products with d are not. OpenSSL's scalar multiplication is constant time.
 * Verification handles only public values.
 */
import { createECDH, ECDH, randomBytes } from "node:crypto";
import type { CurveSpec } from "../algorithms.js";
import { bigIntToBytes, bitLength, bytesToBigInt, concatBytes } from "../bytes.js";
import type { EcPrivateKey, EcPublicKey } from "../jwk.js";
import type { EcProvider } from "../providers/types.js";
import { addPoints, mod, modInverse, negate, type AffinePoint } from "./affine.js";
import { curveParameters, type CurveParameters } from "./curves.js";
import { digestToInteger, privateScalar, signatureScalars } from "./scalar.js";

/** Uniform in [1, n-1] by rejection sampling (FIPS 186-5 A.3.2, "testing candidates"). */
function randomScalar(curve: CurveSpec, n: bigint): bigint {
  const topBits = bitLength(n) - 8 * (curve.scalarBytes - 1);
  const topMask = (1 << topBits) - 1;
  for (;;) {
    const bytes = randomBytes(curve.scalarBytes);
    bytes[0] = (bytes[0] ?? 0) & topMask;
    const candidate = bytesToBigInt(bytes);
    if (candidate >= 1n && candidate < n) return candidate;
  }
}

function ecdhWith(curve: CurveSpec, scalar: bigint): ECDH {
  const ecdh = createECDH(curve.nodeName);
  ecdh.setPrivateKey(bigIntToBytes(scalar, curve.scalarBytes));
  return ecdh;
}

function decodeUncompressed(curve: CurveSpec, encoded: Uint8Array): { x: bigint; y: bigint } {
  const size = curve.coordinateBytes;
  return { x: bytesToBigInt(encoded.subarray(1, 1 + size)), y: bytesToBigInt(encoded.subarray(1 + size, 1 + 2 * size)) };
}

/** k·G for k in [1, n-1]. */
function multiplyBase(curve: CurveSpec, k: bigint): { x: bigint; y: bigint } {
  return decodeUncompressed(curve, ecdhWith(curve, k).getPublicKey());
}

/** x(u·Q) for u in [1, n-1]; Q has prime order, so u·Q is never ∞. */
function multipliedX(curve: CurveSpec, u: bigint, publicKey: Uint8Array): bigint {
  return bytesToBigInt(ecdhWith(curve, u).computeSecret(publicKey));
}

/**
 * u·Q as a full point. OpenSSL returns only x(u·Q); the two candidates are
 * (x, ±y). The one whose sum with Q has the x of (u+1)·Q is u·Q: the other
 * candidate would need y = 0 or 2Q = ∞, neither possible in a group of odd
 * prime order. u = n−1 has (u+1)·Q = ∞, so it is answered directly (−Q).
 */
function multiplyPublic(key: EcPublicKey, u: bigint, constants: CurveParameters): AffinePoint {
  const { curve } = key;
  const Q = { x: bytesToBigInt(key.x), y: bytesToBigInt(key.y) };
  if (u === constants.n - 1n) return negate(Q, constants);
  const encodedQ = concatBytes(Uint8Array.of(0x04), key.x, key.y);
  const x = multipliedX(curve, u, encodedQ);
  const compressed = concatBytes(Uint8Array.of(0x02), bigIntToBytes(x, curve.coordinateBytes));
  const candidate = decodeUncompressed(curve, ECDH.convertKey(compressed, curve.nodeName, undefined, undefined, "uncompressed") as Buffer);
  const nextX = multipliedX(curve, u + 1n, encodedQ);
  const sum = addPoints(candidate, Q, constants);
  return sum !== null && sum.x === nextX ? candidate : negate(candidate, constants);
}

export const nativeEcProvider: EcProvider = {
  name: "native",

  sign(key: EcPrivateKey, digest: Uint8Array): Uint8Array {
    const { curve } = key;
    const { n } = curveParameters(curve);
    const d = privateScalar(key, n);
    const z = mod(digestToInteger(digest, n), n);
    for (;;) {
      const k = randomScalar(curve, n);
      const r = mod(multiplyBase(curve, k).x, n);
      if (r === 0n) continue;
      const blind = randomScalar(curve, n);
      const inverse = modInverse(mod(blind * k, n), n);
      let s = mod(inverse * mod(blind * z + mod(blind * d, n) * r, n), n);
      if (s === 0n) continue;
      // Low-S form (s <= n/2), as the noble provider emits; verification accepts both.
      if (s > n >> 1n) s = n - s;
      return concatBytes(bigIntToBytes(r, curve.scalarBytes), bigIntToBytes(s, curve.scalarBytes));
    }
  },

  verify(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
    const { curve } = key;
    const constants = curveParameters(curve);
    const { n } = constants;
    const z = mod(digestToInteger(digest, n), n);
    const scalars = signatureScalars(curve, n, signature);
    if (scalars === undefined) return false;
    const { r, s } = scalars;
    try {
      const w = modInverse(s, n);
      const u1 = mod(z * w, n);
      const u2 = mod(r * w, n);
      const R = addPoints(u1 === 0n ? null : multiplyBase(curve, u1), multiplyPublic(key, u2, constants), constants);
      return R !== null && mod(R.x, n) === r;
    } catch {
      return false;
    }
  },
};
