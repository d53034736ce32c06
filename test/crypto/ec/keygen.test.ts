import { describe, expect, it } from "vitest";
import { CURVES } from "../../../src/crypto/algorithms.js";
import { generateEcKey } from "../../../src/crypto/ec/keygen.js";
import { nativeEcProvider } from "../../../src/crypto/ec/native.js";
import { nobleEcProvider } from "../../../src/crypto/ec/noble.js";
import { parseEcPrivateKey, parseEcPublicKey, publicJwk } from "../../../src/crypto/jwk.js";
import { CURVE_NAMES } from "./signatures.js";

describe("generateEcKey", () => {
  it.each(CURVE_NAMES)("makes a valid %s private JWK under Key Vault's curve name that signs and verifies", (curveName) => {
    const jwk = generateEcKey(CURVES[curveName]);
    expect(jwk.kty).toBe("EC");
    expect(jwk.crv).toBe(curveName);
    expect(Object.keys(jwk).sort()).toEqual(["crv", "d", "kty", "x", "y"]);
    const key = parseEcPrivateKey(jwk);
    const publicKey = parseEcPublicKey(publicJwk(jwk));
    const digest = new Uint8Array(32).fill(3);
    expect(nobleEcProvider.verify(publicKey, digest, nativeEcProvider.sign(key, digest))).toBe(true);
  });

  it("makes a different key each time", () => {
    const a = generateEcKey(CURVES["P-256"]);
    const b = generateEcKey(CURVES["P-256"]);
    expect(a.d).not.toBe(b.d);
  });
});
