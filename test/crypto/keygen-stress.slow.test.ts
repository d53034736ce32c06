/**
 * Key generation under load (slow-ish: 10 to 20 s, most of it RSA prime search). A process once hung for
 * good exporting, as JWK, a KeyObject that generateKeyPair had returned (a garbage collection inside the
 * export destroyed the key-generation job, whose destructor waited on the mutex the export held); keys are
 * now generated encoded and parsed again (src/crypto/generate-private-key.ts). A hang is a matter of
 * timing, so this cannot prove its absence: it generates and exports many keys of every kind, with
 * garbage collections running throughout, and checks that every JWK is a working key.
 */
import { createPublicKey, sign as nodeSign, verify as nodeVerify, type JsonWebKey as NodeJwk } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKey, publicJwk, type JsonWebKey } from "../../src/crypto/index.js";
import { nodePrivateKey } from "../helpers/node-keys.js";

const MESSAGE = Buffer.from("keygen stress");

/** Signs with the private JWK and verifies with its public half, both through OpenSSL. */
function works(jwk: JsonWebKey): boolean {
  const publicHalf = publicJwk(jwk) as NodeJwk;
  const publicKey = createPublicKey({ key: publicHalf.crv === "P-256K" ? { ...publicHalf, crv: "secp256k1" } : publicHalf, format: "jwk" });
  const signature = nodeSign("sha256", MESSAGE, nodePrivateKey(jwk));
  return nodeVerify("sha256", MESSAGE, publicKey, signature) && !nodeVerify("sha256", Buffer.from("another message"), publicKey, signature);
}

/** Garbage made while keys are generated, so collections (and the destruction of finished key-generation jobs) run during the exports. */
function churn(): () => void {
  const garbage: { current: unknown[] } = { current: [] };
  const timer = setInterval(() => {
    garbage.current = Array.from({ length: 500 }, (_, i) => ({ i, bytes: new Uint8Array(64) }));
  }, 2);
  return () => {
    clearInterval(timer);
    garbage.current = [];
  };
}

describe("key generation stress (slow-ish)", () => {
  it("generates and exports 300 EC keys on each curve, every one a working key", async () => {
    const stop = churn();
    try {
      for (const crv of ["P-256", "P-384", "P-521", "P-256K"]) {
        const keys: JsonWebKey[] = [];
        // EC generation is synchronous: yield now and then so the garbage keeps coming.
        for (let i = 0; i < 300; i++) {
          keys.push(await generateKey("EC", { crv }));
          if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        expect(new Set(keys.map((k) => k.d)).size, crv).toBe(300);
        for (const jwk of keys) {
          expect(jwk).toMatchObject({ kty: "EC", crv });
          expect(works(jwk), crv).toBe(true);
        }
      }
    } finally {
      stop();
    }
  });

  it("generates and exports RSA keys (mostly 2048-bit, one 4096-bit) two at a time, every one a working key", async () => {
    // RSA prime search costs 0.1 to 1 s per 2048-bit key and several seconds per 4096-bit key on a busy
    // 2-core machine: a dozen keys, not hundreds, keep this test within its budget beside another test file.
    const sizes = [...Array.from<number>({ length: 12 }).fill(2048), 4096];
    const stop = churn();
    try {
      const keys: JsonWebKey[] = [];
      for (let i = 0; i < sizes.length; i += 2)
        keys.push(...(await Promise.all(sizes.slice(i, i + 2).map((size) => generateKey("RSA", { size })))));
      keys.forEach((jwk, i) => {
        expect(jwk).toMatchObject({ kty: "RSA", e: "AQAB" });
        expect(Object.keys(jwk).sort()).toEqual(["d", "dp", "dq", "e", "kty", "n", "p", "q", "qi"]);
        expect(Buffer.from(jwk.n as string, "base64url").length * 8).toBe(sizes[i]);
        expect(works(jwk)).toBe(true);
      });
      expect(new Set(keys.map((k) => k.n)).size).toBe(sizes.length);
    } finally {
      stop();
    }
  });
});
