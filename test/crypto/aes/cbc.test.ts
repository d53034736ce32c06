import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aesCbcDecrypt, aesCbcEncrypt } from "../../../src/crypto/aes/cbc.js";
import { aesKeys, badParameter, failure, hex, oct } from "./helpers.js";

/** NIST SP 800-38A appendix F.2 (CBC-AES128/192/256.Encrypt and .Decrypt). */
const IV = hex("000102030405060708090a0b0c0d0e0f");
const PLAINTEXT = hex(
  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
);
const VECTORS = [
  {
    section: "F.2.1/F.2.2",
    key: "2b7e151628aed2a6abf7158809cf4f3c",
    c: "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
  },
  {
    section: "F.2.3/F.2.4",
    key: "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
    c: "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
  },
  {
    section: "F.2.5/F.2.6",
    key: "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
    c: "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
  },
];

const blocks = (min: number) => fc.integer({ min, max: 5 }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));

/** PKCS#7 validity of a padded message, by the definition (RFC 5652 section 6.3). */
function validPadding(padded: Uint8Array): boolean {
  const pad = padded[padded.length - 1] ?? 0;
  return pad >= 1 && pad <= 16 && padded.subarray(padded.length - pad).every((b) => b === pad);
}

describe("AES-CBC", () => {
  it.each(VECTORS)("NIST SP 800-38A $section", ({ key, c }) => {
    expect(aesCbcEncrypt(oct(hex(key)), PLAINTEXT, { iv: IV, padding: false })).toEqual({ ciphertext: hex(c), iv: IV });
    expect(aesCbcDecrypt(oct(hex(key)), hex(c), { iv: IV, padding: false })).toEqual(PLAINTEXT);
  });

  it("A*CBCPAD appends one to sixteen bytes of PKCS#7 padding and round-trips every length", () => {
    fc.assert(
      fc.property(aesKeys, fc.uint8Array({ maxLength: 70 }), (k, plaintext) => {
        const { ciphertext, iv } = aesCbcEncrypt(oct(k), plaintext, { padding: true });
        expect(iv.length).toBe(16);
        expect(ciphertext.length).toBe(16 * (Math.floor(plaintext.length / 16) + 1));
        expect(aesCbcDecrypt(oct(k), ciphertext, { iv, padding: true })).toEqual(plaintext);
        const raw = aesCbcDecrypt(oct(k), ciphertext, { iv, padding: false });
        const pad = 16 - (plaintext.length % 16);
        expect(raw.subarray(plaintext.length)).toEqual(new Uint8Array(pad).fill(pad));
      }),
      { numRuns: 80 },
    );
  });

  it("A*CBC round-trips whole blocks", () => {
    fc.assert(
      fc.property(aesKeys, blocks(1), (k, plaintext) => {
        const { ciphertext, iv } = aesCbcEncrypt(oct(k), plaintext, { padding: false });
        expect(ciphertext.length).toBe(plaintext.length);
        expect(aesCbcDecrypt(oct(k), ciphertext, { iv, padding: false })).toEqual(plaintext);
      }),
      { numRuns: 50 },
    );
  });

  it("unpadding accepts exactly the valid PKCS#7 endings; every other one is the one generic failure", () => {
    // Padded messages whose last block is mostly valid padding, so the near misses are exercised.
    const lastBlock = fc
      .tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 }))
      .map(([pad, position, wrong]) => {
        const block = new Uint8Array(16).fill(pad);
        if (wrong % 3 === 0) block[position] = wrong;
        return block;
      });
    fc.assert(
      fc.property(
        aesKeys,
        fc.uint8Array({ maxLength: 32 }).map((b) => b.subarray(0, b.length - (b.length % 16))),
        lastBlock,
        (k, prefix, last) => {
          const padded = Uint8Array.of(...prefix, ...last);
          const { ciphertext, iv } = aesCbcEncrypt(oct(k), padded, { padding: false });
          if (validPadding(padded)) {
            const pad = padded[padded.length - 1] ?? 0;
            expect(aesCbcDecrypt(oct(k), ciphertext, { iv, padding: true })).toEqual(padded.subarray(0, padded.length - pad));
          } else {
            expect(() => aesCbcDecrypt(oct(k), ciphertext, { iv, padding: true })).toThrow(failure);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses input that is not whole blocks, and an IV that is not 16 bytes, naming the field", () => {
    const key = oct(new Uint8Array(16));
    for (const plaintext of [new Uint8Array(0), new Uint8Array(15), new Uint8Array(17)]) {
      expect(() => aesCbcEncrypt(key, plaintext, { padding: false })).toThrow(badParameter("plaintext"));
    }
    for (const padding of [true, false]) {
      for (const ciphertext of [new Uint8Array(0), new Uint8Array(31)]) {
        expect(() => aesCbcDecrypt(key, ciphertext, { iv: IV, padding })).toThrow(badParameter("ciphertext"));
      }
      expect(() => aesCbcDecrypt(key, new Uint8Array(16), { iv: new Uint8Array(12), padding })).toThrow(badParameter("iv"));
      expect(() => aesCbcDecrypt(key, new Uint8Array(16), { padding })).toThrow(badParameter("iv"));
      expect(() => aesCbcEncrypt(key, new Uint8Array(16), { iv: new Uint8Array(15), padding })).toThrow(badParameter("iv"));
    }
  });
});
