import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALGORITHMS, CURVES, HASH_BYTES } from "../../../src/crypto/algorithms.js";
import { bigIntToBytes, bytesToBigInt, concatBytes } from "../../../src/crypto/bytes.js";
import { curveParameters } from "../../../src/crypto/ec/curves.js";
import { nativeEcProvider } from "../../../src/crypto/ec/native.js";
import { nobleEcProvider } from "../../../src/crypto/ec/noble.js";
import { parseEcPublicKey } from "../../../src/crypto/jwk.js";
import type { EcProvider } from "../../../src/crypto/providers/types.js";
import { EC_FIXTURES } from "../../helpers/keys.js";
import { CURVE_NAMES, edgeCaseSignature, encodeSignature, fixture, infinityDigest, order, type EdgeCase } from "./signatures.js";

const PROVIDERS: readonly EcProvider[] = [nobleEcProvider, nativeEcProvider];
const PAIRS = PROVIDERS.flatMap((signer) => PROVIDERS.map((verifier) => [signer, verifier] as const));

/** The digest length of the curve's ES* algorithm. */
function digestBytes(curve: string): number {
  const spec = Object.values(ALGORITHMS).find((alg) => alg.curve === curve);
  return HASH_BYTES[spec?.hash ?? "SHA-256"];
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return out;
}

const EDGE_CASES: readonly EdgeCase[] = ["u1 = 0", "u2 = 1", "u2 = n-1", "u1·G = u2·Q (doubling)"];

describe.each(CURVE_NAMES)("ECDSA on %s", (curveName) => {
  const key = fixture(curveName);
  const n = order(curveName);
  const size = CURVES[curveName].scalarBytes;
  const digests = fc.uint8Array({ minLength: digestBytes(curveName), maxLength: digestBytes(curveName) });

  it.each(PAIRS.map(([s, v]) => [s.name, v.name, s, v] as const))(
    "signatures by %s verify with %s; a changed digest or signature fails",
    (_s, _v, signer, verifier) => {
      fc.assert(
        fc.property(digests, fc.nat(), fc.nat(), (digest, digestBit, signatureBit) => {
          const signature = signer.sign(key, digest);
          expect(signature.length).toBe(2 * size);
          expect(verifier.verify(key, digest, signature)).toBe(true);
          expect(verifier.verify(key, flipBit(digest, digestBit % (digest.length * 8)), signature)).toBe(false);
          expect(verifier.verify(key, digest, flipBit(signature, signatureBit % (signature.length * 8)))).toBe(false);
        }),
        { numRuns: 8 },
      );
    },
  );

  it.each(PROVIDERS.map((p) => [p.name, p] as const))("%s signs in low-S form and both accept the high-S twin n − s", (_name, signer) => {
    for (let i = 0; i < 4; i++) {
      const digest = new Uint8Array(digestBytes(curveName)).fill(i + 1);
      const signature = signer.sign(key, digest);
      const r = bytesToBigInt(signature.subarray(0, size));
      const s = bytesToBigInt(signature.subarray(size));
      expect(s <= n >> 1n).toBe(true);
      const highS = encodeSignature(curveName, r, n - s);
      for (const verifier of PROVIDERS) expect(verifier.verify(key, digest, highS)).toBe(true);
    }
  });

  it("digests longer than the order are truncated to its bit length (bits2int) identically by both", () => {
    const long = new Uint8Array(96).map((_, i) => (i * 37 + 11) & 0xff);
    for (const signer of PROVIDERS) {
      const signature = signer.sign(key, long);
      for (const verifier of PROVIDERS) {
        expect(verifier.verify(key, long, signature)).toBe(true);
        // Bits past the order's length are dropped, so changing the last byte changes nothing...
        expect(verifier.verify(key, flipBit(long, long.length * 8 - 1), signature)).toBe(true);
        // ...while the first bit counts.
        expect(verifier.verify(key, flipBit(long, 7), signature)).toBe(false);
      }
    }
  });

  it.each(EDGE_CASES)("verification edge case %s is accepted by both", (edge) => {
    for (const k of [2n, 3n, 0x1234567n, n - 5n]) {
      const { digest, signature } = edgeCaseSignature(curveName, edge, k);
      for (const verifier of PROVIDERS) expect(verifier.verify(key, digest, signature)).toBe(true);
    }
  });

  it("R = u1·G + u2·Q at infinity is rejected by both", () => {
    for (const [r, s] of [
      [1n, 1n],
      [12345n, 678n],
      [n - 1n, n - 2n],
    ] as const) {
      const digest = infinityDigest(curveName, r);
      for (const verifier of PROVIDERS) expect(verifier.verify(key, digest, encodeSignature(curveName, r, s))).toBe(false);
    }
  });

  it("r or s of 0, n, n + 1 or 2^bits − 1 is false in both, as is a wrong length", () => {
    const digest = new Uint8Array(digestBytes(curveName)).fill(7);
    const good = nobleEcProvider.sign(key, digest);
    const r = bytesToBigInt(good.subarray(0, size));
    const s = bytesToBigInt(good.subarray(size));
    const max = (1n << BigInt(size * 8)) - 1n;
    const bad = [0n, n, n + 1n, max].flatMap((v) => [encodeSignature(curveName, v, s), encodeSignature(curveName, r, v)]);
    // r + n and s + n are the same residues; a reducing verifier would accept them.
    if (r + n <= max) bad.push(encodeSignature(curveName, r + n, s));
    bad.push(good.subarray(1), concatBytes(good, Uint8Array.of(0)), new Uint8Array(0));
    for (const verifier of PROVIDERS) {
      expect(verifier.verify(key, digest, good)).toBe(true);
      for (const signature of bad) expect(verifier.verify(key, digest, signature)).toBe(false);
    }
  });

  it("a signature does not verify under another key of the curve (−Q)", () => {
    const digest = new Uint8Array(digestBytes(curveName)).fill(9);
    const signature = nobleEcProvider.sign(key, digest);
    const { p } = curveParameters(key.curve);
    const negated = { ...key, y: bigIntToBytes(p - bytesToBigInt(key.y), key.curve.coordinateBytes) };
    for (const verifier of PROVIDERS) {
      expect(verifier.verify(key, digest, signature)).toBe(true);
      expect(verifier.verify(negated, digest, signature)).toBe(false);
    }
  });

  it("a private scalar outside [1, n−1] and an empty digest are refused with the field named", () => {
    for (const d of [0n, n]) {
      const badKey = { ...key, d: bigIntToBytes(d, size) };
      for (const signer of PROVIDERS) {
        expect(() => signer.sign(badKey, new Uint8Array(32))).toThrow(expect.objectContaining({ code: "BadParameter", field: "jwk.d" }));
      }
    }
    for (const provider of PROVIDERS) {
      expect(() => provider.sign(key, new Uint8Array(0))).toThrow(expect.objectContaining({ code: "BadParameter", field: "digest" }));
      expect(() => provider.verify(key, new Uint8Array(0), new Uint8Array(2 * size))).toThrow(
        expect.objectContaining({ code: "BadParameter", field: "digest" }),
      );
    }
  });
});

describe("known answers and key validation", () => {
  it("verifies the RFC 6979 section A.2.5 P-256 / SHA-256 'sample' signature in both providers", () => {
    const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
    const key = parseEcPublicKey({
      kty: "EC",
      crv: "P-256",
      x: b64("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
      y: b64("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"),
    });
    const digest = new Uint8Array(createHash("sha256").update("sample").digest());
    const signature = new Uint8Array(
      Buffer.from(
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716" +
          "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
        "hex",
      ),
    );
    for (const verifier of PROVIDERS) {
      expect(verifier.verify(key, digest, signature)).toBe(true);
      expect(verifier.verify(key, flipBit(digest, 0), signature)).toBe(false);
    }
  });

  it("parseEcPublicKey refuses a point that is not on the curve, naming the field", () => {
    for (const curveName of CURVE_NAMES) {
      const jwk = { ...EC_FIXTURES[curveName] };
      const y = Buffer.from(jwk.y ?? "", "base64url");
      y[y.length - 1] = (y[y.length - 1] ?? 0) ^ 1;
      jwk.y = y.toString("base64url");
      expect(() => parseEcPublicKey(jwk)).toThrow(expect.objectContaining({ code: "BadParameter", field: "jwk.x" }));
    }
  });
});
