import { constants, createHash, createPublicKey, privateDecrypt, publicEncrypt, verify as nodeVerify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decrypt, encrypt, KeyholdError, sign, unwrapKey, verify, wrapKey } from "../../src/crypto/index.js";
import { PROVIDERS_BY_FAMILY } from "../../src/crypto/providers/index.js";
import { RSA_FIXTURES } from "../helpers/keys.js";
import { nodePrivateKey } from "../helpers/node-keys.js";

const SIZES = [2048, 3072, 4096] as const;
const SIGN_ALGS = { PS256: "sha256", PS384: "sha384", PS512: "sha512", RS256: "sha256", RS384: "sha384", RS512: "sha512" } as const;
const providers = PROVIDERS_BY_FAMILY.rsa;

const sha = (name: string, data: Uint8Array): Uint8Array => new Uint8Array(createHash(name).update(data).digest());

describe("RSA signatures against OpenSSL", () => {
  for (const bits of SIZES) {
    const jwk = RSA_FIXTURES[bits];
    const publicKey = createPublicKey(nodePrivateKey(jwk));
    for (const [alg, hash] of Object.entries(SIGN_ALGS)) {
      for (const provider of providers) {
        it(`${alg} RSA-${bits} [${provider}] verifies with node:crypto and round-trips`, async () => {
          const message = new TextEncoder().encode(`message for ${alg}/${bits}`);
          const digest = sha(hash, message);
          const signature = await sign(alg, jwk, digest, { provider });
          expect(signature.length).toBe(bits / 8);
          const padding = alg.startsWith("PS") ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
          expect(nodeVerify(hash, message, { key: publicKey, padding, saltLength: digest.length }, signature)).toBe(true);
          expect(await verify(alg, jwk, digest, signature, { provider })).toBe(true);
          const flipped = Uint8Array.from(signature);
          flipped[17]! ^= 0x04;
          expect(await verify(alg, jwk, digest, flipped, { provider })).toBe(false);
        });
      }
    }
  }
});

describe("RSA encryption against OpenSSL", () => {
  const OAEP = { "RSA-OAEP": "sha1", "RSA-OAEP-256": "sha256" } as const;
  for (const bits of SIZES) {
    const jwk = RSA_FIXTURES[bits];
    const privateKey = nodePrivateKey(jwk);
    for (const provider of providers) {
      for (const [alg, oaepHash] of Object.entries(OAEP)) {
        it(`${alg} RSA-${bits} [${provider}] interoperates both ways`, async () => {
          const message = new TextEncoder().encode("a 32-byte data encryption key!!!");
          const { ciphertext } = await encrypt(alg, jwk, message, { provider });
          expect(privateDecrypt({ key: privateKey, oaepHash, padding: constants.RSA_PKCS1_OAEP_PADDING }, ciphertext)).toEqual(
            Buffer.from(message),
          );
          const theirs = publicEncrypt({ key: privateKey, oaepHash, padding: constants.RSA_PKCS1_OAEP_PADDING }, message);
          expect(await decrypt(alg, jwk, theirs, { provider })).toEqual(message);
        });
      }
      it(`RSA1_5 RSA-${bits} [${provider}] decrypts OpenSSL's ciphertext and wraps round-trip`, async () => {
        const message = new TextEncoder().encode("sixteen byte key");
        const theirs = publicEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, message);
        expect(await decrypt("RSA1_5", jwk, theirs, { provider })).toEqual(message);
        const wrapped = await wrapKey("RSA1_5", jwk, message, { provider });
        expect(await unwrapKey("RSA1_5", jwk, wrapped, { provider })).toEqual(message);
      });
    }
  }
});

describe("RSA1_5 implicit rejection", () => {
  const jwk = RSA_FIXTURES[2048];
  const privateKey = nodePrivateKey(jwk);
  /** A ciphertext whose plaintext block is `block` (built with the raw public operation). */
  const rawEncrypt = (block: Uint8Array): Uint8Array =>
    new Uint8Array(publicEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block));

  it("returns a deterministic, provider-independent message instead of an error for bad padding", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 255, maxLength: 255 }), async (body) => {
        const block = Uint8Array.of(0, ...body);
        block[1] = 0x03; // not 0x02: bad padding
        const ciphertext = rawEncrypt(block);
        const first = await decrypt("RSA1_5", jwk, ciphertext, { provider: "native" });
        for (const provider of providers) expect(await decrypt("RSA1_5", jwk, ciphertext, { provider })).toEqual(first);
        expect(first.length).toBeLessThanOrEqual(256 - 11);
      }),
      { numRuns: 20 },
    );
  });

  it("gives different synthetic messages for different bad ciphertexts", async () => {
    const block = new Uint8Array(256).fill(0x41);
    block[0] = 0;
    const a = await decrypt("RSA1_5", jwk, rawEncrypt(block));
    block[100] = 0x42;
    const b = await decrypt("RSA1_5", jwk, rawEncrypt(block));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("treats padding shorter than 8 bytes as bad", async () => {
    const message = new Uint8Array(256 - 3 - 7).fill(0x55);
    const block = Uint8Array.of(0, 2, 1, 2, 3, 4, 5, 6, 7, 0, ...message);
    const result = await decrypt("RSA1_5", jwk, rawEncrypt(block));
    expect(Buffer.from(result).equals(Buffer.from(message))).toBe(false);
  });
});

describe("RSA bad input", () => {
  const jwk = RSA_FIXTURES[2048];
  const fieldOf = async (fn: () => Promise<unknown>): Promise<string | undefined> => {
    const error = await fn().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyholdError);
    return (error as KeyholdError).field;
  };

  it("names the field for each caller mistake", async () => {
    expect(await fieldOf(() => sign("RS256", jwk, new Uint8Array(31)))).toBe("digest");
    expect(await fieldOf(() => sign("ES256", jwk, new Uint8Array(32)))).toBe("jwk.kty");
    expect(await fieldOf(() => sign("RS999", jwk, new Uint8Array(32)))).toBe("algorithm");
    expect(await fieldOf(() => sign("RSA-OAEP", jwk, new Uint8Array(32)))).toBe("algorithm");
    expect(await fieldOf(() => sign("PS256", { ...jwk, d: undefined }, new Uint8Array(32)))).toBe("jwk.d");
    expect(await fieldOf(() => sign("PS256", { ...jwk, p: jwk.q }, new Uint8Array(32)))).toBe("jwk.p");
    expect(await fieldOf(() => sign("PS256", { ...jwk, dp: jwk.dq }, new Uint8Array(32)))).toBe("jwk.dp");
    expect(await fieldOf(() => sign("PS256", { ...jwk, qi: "AQAB" }, new Uint8Array(32)))).toBe("jwk.qi");
    expect(await fieldOf(() => sign("PS256", { ...jwk, n: "!!" }, new Uint8Array(32)))).toBe("jwk.n");
    expect(await fieldOf(() => sign("PS256", { ...jwk, e: "Aw" }, new Uint8Array(32)))).toBe("jwk.e");
    expect(await fieldOf(() => sign("PS256", jwk, "abc" as unknown as Uint8Array))).toBe("digest");
    expect(await fieldOf(() => encrypt("RSA-OAEP-256", jwk, new Uint8Array(191)))).toBe("plaintext");
    expect(await fieldOf(() => encrypt("RSA-OAEP-256", jwk, new Uint8Array(1), { iv: new Uint8Array(12) }))).toBe("iv");
    expect(await fieldOf(() => sign("PS256", jwk, new Uint8Array(32), { provider: "noble" }))).toBe("provider");
    expect(await fieldOf(() => wrapKey("RSA1_5", jwk, new Uint8Array(246)))).toBe("key");
  });

  it("refuses a 1024-bit key", async () => {
    const small = { kty: "RSA", n: Buffer.alloc(128, 0xff).toString("base64url"), e: "AQAB" };
    expect(await fieldOf(() => verify("PS256", small, new Uint8Array(32), new Uint8Array(128)))).toBe("jwk.n");
  });

  it("answers false, not an error, for malformed signatures", async () => {
    const digest = new Uint8Array(32);
    expect(await verify("PS256", jwk, digest, new Uint8Array(0))).toBe(false);
    expect(await verify("RS256", jwk, digest, new Uint8Array(255))).toBe(false);
    expect(await verify("RS256", jwk, digest, new Uint8Array(256).fill(0xff))).toBe(false);
  });

  it("answers one generic error for any failed decryption", async () => {
    for (const ciphertext of [new Uint8Array(0), new Uint8Array(256), new Uint8Array(256).fill(0xff), new Uint8Array(300)]) {
      const error = await decrypt("RSA-OAEP-256", jwk, ciphertext).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyholdError);
      expect((error as KeyholdError).code).toBe("CryptoFailure");
    }
  });
});

describe("RSA properties", () => {
  it("every sign algorithm and size round-trips and rejects any flipped bit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SIZES),
        fc.constantFrom(...(Object.keys(SIGN_ALGS) as (keyof typeof SIGN_ALGS)[])),
        fc.constantFrom(...providers),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.nat(),
        async (bits, alg, provider, seed, bit) => {
          const jwk = RSA_FIXTURES[bits];
          const digest = sha(SIGN_ALGS[alg], seed);
          const signature = await sign(alg, jwk, digest, { provider });
          expect(await verify(alg, jwk, digest, signature, { provider })).toBe(true);
          const flipped = Uint8Array.from(signature);
          flipped[(bit >> 3) % flipped.length]! ^= 1 << (bit & 7);
          expect(await verify(alg, jwk, digest, flipped, { provider })).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("every encryption algorithm round-trips any message that fits", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SIZES),
        fc.constantFrom("RSA-OAEP", "RSA-OAEP-256", "RSA1_5"),
        fc.constantFrom(...providers),
        fc.uint8Array({ minLength: 0, maxLength: 190 }),
        async (bits, alg, provider, message) => {
          const jwk = RSA_FIXTURES[bits];
          const { ciphertext } = await encrypt(alg, jwk, message, { provider });
          expect(await decrypt(alg, jwk, ciphertext, { provider })).toEqual(message);
        },
      ),
      { numRuns: 40 },
    );
  });
});
