import { describe, expect, it } from "vitest";
import { KeyholdError, sign } from "../../src/crypto/index.js";
import { parseEcPrivateKey, parseOctKey } from "../../src/crypto/jwk.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../helpers/keys.js";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyholdError);
    return (error as KeyholdError).field;
  }
  throw new Error("expected a KeyholdError");
}

describe("JWK import validation", () => {
  it("refuses an EC private key whose d does not match (x, y)", () => {
    const other = EC_FIXTURES["P-256K"];
    expect(parseEcPrivateKey({ ...EC_FIXTURES["P-256"] }).curve.name).toBe("P-256");
    expect(fieldOf(() => parseEcPrivateKey({ ...EC_FIXTURES["P-256"], d: other.d }))).toBe("jwk.d");
  });

  it("refuses a zero EC scalar and a wrong-length one", () => {
    const zero = Buffer.alloc(32).toString("base64url");
    expect(fieldOf(() => parseEcPrivateKey({ ...EC_FIXTURES["P-256"], d: zero }))).toBe("jwk.d");
    expect(fieldOf(() => parseEcPrivateKey({ ...EC_FIXTURES["P-256"], d: "AQ" }))).toBe("jwk.d");
  });

  it("refuses a point that is not on the curve and an unknown curve", () => {
    const x = Buffer.from(EC_FIXTURES["P-256"].x!, "base64url");
    x[31]! ^= 1;
    expect(fieldOf(() => parseEcPrivateKey({ ...EC_FIXTURES["P-256"], x: x.toString("base64url") }))).toBe("jwk.x");
    expect(fieldOf(() => parseEcPrivateKey({ ...EC_FIXTURES["P-256"], crv: "P-192" }))).toBe("jwk.crv");
  });

  it("refuses oct keys of other sizes and bad base64url", () => {
    expect(fieldOf(() => parseOctKey({ kty: "oct", k: Buffer.alloc(20).toString("base64url") }))).toBe("jwk.k");
    expect(fieldOf(() => parseOctKey({ kty: "oct", k: "a+b/" }))).toBe("jwk.k");
    expect(fieldOf(() => parseOctKey({ kty: "oct" }))).toBe("jwk.k");
  });

  it("refuses a JWK that is not an object or has an unknown kty", async () => {
    for (const jwk of [null, "RSA", { kty: "DSA" }, {}]) {
      const error = await sign("PS256", jwk as never, new Uint8Array(32)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyholdError);
      expect((error as KeyholdError).field).toMatch(/^jwk/);
    }
  });

  it("accepts the fixtures (2048/3072/4096 RSA, four curves)", async () => {
    for (const jwk of Object.values(RSA_FIXTURES)) expect((await sign("RS256", jwk, new Uint8Array(32))).length).toBeGreaterThan(0);
    for (const jwk of Object.values(EC_FIXTURES)) expect(parseEcPrivateKey(jwk).d.length).toBeGreaterThan(0);
  });
});
