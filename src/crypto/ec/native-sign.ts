/**
 * ECDSA signing (SEC 1 v2 section 4.1.3) with OpenSSL computing k·G, for one
 * digest or a batch of them under one key.
 *
 * node:crypto cannot sign a caller-supplied digest with ECDSA (it always
 * hashes), so the equation s = k⁻¹(z + r·d) is written here. A batch costs
 * one modular inversion in all, not one per signature: the nonces' inverses
 * come from Montgomery's trick (modular.ts), and the per-batch work (parsing
 * d, blinding it) is done once. A single signature is a batch of one.
 *
 * Nonces: every signature draws a fresh uniform k in [1, n−1] from the
 * system CSPRNG, as before batching (the noble provider is the one with
 * hedged RFC 6979 nonces). Nothing about k is shared between signatures.
 *
 * What is constant time and what is not:
 * - k·G is OpenSSL's, constant time in k.
 * - Everything else is JavaScript bigint, which is not constant time: the
 *   products with d, with k and the walk back of Montgomery's trick take time
 *   that depends on their operands. What is done about it: one random blind b
 *   per batch, so that the inversion's input is ∏ b·kᵢ (not any kᵢ) and d
 *   enters only as b·d; s = (b·kᵢ)⁻¹·(b·zᵢ + (b·d)·rᵢ). That decorrelates
 *   the timings from k and d without removing them. No branch here depends on
 *   a secret except the two retries of probability about 1/n (r = 0, s = 0)
 *   and the low-S choice, whose outcome the signature itself shows.
 */
import { randomBytes, type ECDH } from "node:crypto";
import type { CurveSpec } from "../algorithms.js";
import { bigIntToBytes, bitLength, bytesToBigInt, concatBytes } from "../bytes.js";
import type { EcPrivateKey } from "../jwk.js";
import { curveParameters } from "./curves.js";
import { mod, modInverseAll } from "./modular.js";
import { baseMultipleX, scalarMultiplier } from "./openssl-multiply.js";
import { digestToInteger, privateScalar } from "./scalar.js";

/**
 * `count` scalars uniform in [1, n-1] by rejection sampling (FIPS 186-5 A.3.2, "testing candidates"), from one
 * draw of the CSPRNG for all of them (one call per batch, not per nonce; a rejected candidate is drawn again).
 */
function randomScalars(curve: CurveSpec, n: bigint, count: number): bigint[] {
  const size = curve.scalarBytes;
  const topMask = (1 << (bitLength(n) - 8 * (size - 1))) - 1;
  const scalars: bigint[] = [];
  while (scalars.length < count) {
    const drawn = randomBytes((count - scalars.length) * size);
    for (let offset = 0; offset < drawn.length; offset += size) {
      drawn[offset] = (drawn[offset] ?? 0) & topMask;
      const candidate = bytesToBigInt(drawn.subarray(offset, offset + size));
      if (candidate >= 1n && candidate < n) scalars.push(candidate);
    }
    // The bytes were nonces: they do not stay in memory longer than their bigints must.
    drawn.fill(0);
  }
  return scalars;
}

/** r = x(k·G) mod n for the nonce k, or for a fresh nonce in the (probability ~1/n) case r = 0. */
function nonceAndR(ecdh: ECDH, curve: CurveSpec, n: bigint, nonce: bigint): { k: bigint; r: bigint } {
  let k = nonce;
  for (;;) {
    const r = baseMultipleX(ecdh, curve, k) % n;
    if (r !== 0n) return { k, r };
    [k] = randomScalars(curve, n, 1) as [bigint];
  }
}

/**
 * r‖s for each digest, in order, each with its own nonce; one inversion for the batch. Digests are non-empty
 * (the core checks their length per algorithm); a private scalar outside [1, n−1] is refused for the batch.
 */
export function signDigests(key: EcPrivateKey, digests: readonly Uint8Array[]): Uint8Array[] {
  const { curve } = key;
  const { n } = curveParameters(curve);
  const d = privateScalar(key, n);
  const z = digests.map((digest) => mod(digestToInteger(digest, n), n));
  // A fresh ECDH object: it holds each nonce in turn, so it is never the shared one for public work.
  const ecdh = scalarMultiplier(curve, "secret");
  const [blind, ...fresh] = randomScalars(curve, n, 1 + digests.length) as [bigint, ...bigint[]];
  const blindedD = (blind * d) % n;
  const nonces = fresh.map((k) => nonceAndR(ecdh, curve, n, k));
  const inverses = modInverseAll(
    nonces.map(({ k }) => (blind * k) % n),
    n,
  );
  const signatures: Uint8Array[] = [];
  for (const [i, { r }] of nonces.entries()) {
    let s = ((inverses[i] as bigint) * ((blind * (z[i] as bigint) + blindedD * r) % n)) % n;
    if (s === 0n) {
      // Probability about 1/n: sign this digest again with a fresh nonce.
      signatures.push(...signDigests(key, [digests[i] as Uint8Array]));
      continue;
    }
    // Low-S form (s <= n/2), as the noble provider emits; verification accepts both.
    if (s > n >> 1n) s = n - s;
    signatures.push(concatBytes(bigIntToBytes(r, curve.scalarBytes), bigIntToBytes(s, curve.scalarBytes)));
  }
  return signatures;
}
