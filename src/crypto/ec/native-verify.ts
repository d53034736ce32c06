/**
 * ECDSA verification (SEC 1 v2 section 4.1.4) with OpenSSL doing the two
 * scalar multiplications, as one combination: R = u₁·G + u₂·Q is computed as
 *
 *   R = u₂·(Q + t·G)   with t = u₁/u₂ = z/r (mod n),
 *
 * so OpenSSL multiplies the generator once (t·G, through its precomputed
 * tables) and one point once (x(u₂·P), which is all ECDH returns and all
 * verification needs). The only point arithmetic left here is one affine
 * addition P = Q + t·G; no point is decompressed and no sign of y has to be
 * guessed. The two inverses mod n (r⁻¹, s⁻¹) come from one inversion of r·s.
 *
 * Variable time throughout the bigint parts, which see only public values:
 * the signature, the digest and the public key.
 */
import { bytesToBigInt } from "../bytes.js";
import type { EcPublicKey } from "../jwk.js";
import { addPoints } from "./affine.js";
import { curveParameters } from "./curves.js";
import { mod, modInverse } from "./modular.js";
import { baseMultiple, multipleX, scalarMultiplier } from "./openssl-multiply.js";
import { digestToInteger, signatureScalars } from "./scalar.js";

/** The public point as bigints, once per parsed key (the worker keeps parsed keys). */
const publicPoints = new WeakMap<EcPublicKey, { x: bigint; y: bigint }>();

function publicPoint(key: EcPublicKey): { x: bigint; y: bigint } {
  let point = publicPoints.get(key);
  if (point === undefined) {
    point = { x: bytesToBigInt(key.x), y: bytesToBigInt(key.y) };
    publicPoints.set(key, point);
  }
  return point;
}

export function verifyDigest(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  const { curve } = key;
  const constants = curveParameters(curve);
  const { n } = constants;
  const z = mod(digestToInteger(digest, n), n);
  const scalars = signatureScalars(curve, n, signature);
  if (scalars === undefined) return false;
  const { r, s } = scalars;
  // r, s in [1, n−1] and n prime: r·s is invertible, and so u₂ = r/s is in [1, n−1].
  const inverseOfProduct = modInverse((r * s) % n, n);
  const t = (((z * s) % n) * inverseOfProduct) % n; // z/r
  const u2 = (((r * r) % n) * inverseOfProduct) % n; // r/s
  const ecdh = scalarMultiplier(curve, "public");
  try {
    // t = 0 (z ≡ 0) makes t·G the point at infinity, so P = Q.
    const P = addPoints(publicPoint(key), t === 0n ? null : baseMultiple(ecdh, curve, t), constants);
    // P = ∞ exactly when R = u₂·P is: such a signature is invalid (section 4.1.4 step 5).
    if (P === null) return false;
    return multipleX(ecdh, curve, u2, P) % n === r;
  } catch {
    // OpenSSL refusing a point cannot happen for a sum of curve points; if it ever did, the answer is "invalid".
    return false;
  }
}
