/**
 * Scalar multiplication by OpenSSL, reached through node:crypto's ECDH (the
 * only door node:crypto opens to it): `setPrivateKey(k)` computes k·G, which
 * `getPublicKey` returns, and `computeSecret(P)` returns the x-coordinate of
 * k·P. OpenSSL's multiplications are constant time for the scalar (the
 * nistz256 code for P-256, a Montgomery ladder for the other curves);
 * everything around them here is not, and says so where it matters.
 */
import { createECDH, type ECDH } from "node:crypto";
import type { CurveSpec } from "../algorithms.js";
import { bigIntToBytes, bytesToBigInt, concatBytes } from "../bytes.js";
import type { AffinePoint } from "./affine.js";

const UNCOMPRESSED = Uint8Array.of(0x04);

/**
 * One ECDH object per curve for work on public values only (verification):
 * it is reused, so it must never be given a secret scalar. Creating one per
 * call costs about as much as a P-256 base multiplication does.
 */
const publicWork = new Map<string, ECDH>();

/** An ECDH object for the curve: a fresh one for secret scalars, the shared one for public scalars. */
export function scalarMultiplier(curve: CurveSpec, scalars: "secret" | "public"): ECDH {
  if (scalars === "secret") return createECDH(curve.nodeName);
  let ecdh = publicWork.get(curve.nodeName);
  if (ecdh === undefined) {
    ecdh = createECDH(curve.nodeName);
    publicWork.set(curve.nodeName, ecdh);
  }
  return ecdh;
}

/** x(k·G) for k in [1, n-1]: the compressed point is the x-coordinate after one prefix byte. */
export function baseMultipleX(ecdh: ECDH, curve: CurveSpec, k: bigint): bigint {
  ecdh.setPrivateKey(bigIntToBytes(k, curve.scalarBytes));
  return bytesToBigInt(ecdh.getPublicKey(null, "compressed").subarray(1));
}

/** k·G for k in [1, n-1]. */
export function baseMultiple(ecdh: ECDH, curve: CurveSpec, k: bigint): { x: bigint; y: bigint } {
  ecdh.setPrivateKey(bigIntToBytes(k, curve.scalarBytes));
  const encoded = ecdh.getPublicKey();
  const size = curve.coordinateBytes;
  return { x: bytesToBigInt(encoded.subarray(1, 1 + size)), y: bytesToBigInt(encoded.subarray(1 + size, 1 + 2 * size)) };
}

/**
 * x(k·P) for k in [1, n-1] and P a point of the curve other than ∞. The
 * curves have prime order (cofactor 1), so k·P is never ∞. OpenSSL checks
 * that P is on the curve (an off-curve P throws).
 */
export function multipleX(ecdh: ECDH, curve: CurveSpec, k: bigint, P: Exclude<AffinePoint, null>): bigint {
  ecdh.setPrivateKey(bigIntToBytes(k, curve.scalarBytes));
  const size = curve.coordinateBytes;
  return bytesToBigInt(ecdh.computeSecret(concatBytes(UNCOMPRESSED, bigIntToBytes(P.x, size), bigIntToBytes(P.y, size))));
}
