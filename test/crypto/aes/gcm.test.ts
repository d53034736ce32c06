import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aesGcmDecrypt, aesGcmEncrypt } from "../../../src/crypto/aes/gcm.js";
import { aesKeys, badParameter, failure, flipBit, hex, oct } from "./helpers.js";

const K = "feffe9928665731c6d6a8f9467308308";
const P60 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const P64 = P60 + "1aafd255";
const A = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const ZERO_IV = "00".repeat(12);
const IV = "cafebabefacedbaddecaf888";

/** McGrew & Viega, "The Galois/Counter Mode of Operation", test cases with a 96-bit IV. */
const VECTORS = [
  { tc: 1, key: "00".repeat(16), iv: ZERO_IV, p: "", a: "", c: "", t: "58e2fccefa7e3061367f1d57a4e7455a" },
  {
    tc: 2,
    key: "00".repeat(16),
    iv: ZERO_IV,
    p: "00".repeat(16),
    a: "",
    c: "0388dace60b6a392f328c2b971b2fe78",
    t: "ab6e47d42cec13bdf53a67b21257bddf",
  },
  {
    tc: 3,
    key: K,
    iv: IV,
    p: P64,
    a: "",
    c: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
    t: "4d5c2af327cd64a62cf35abd2ba6fab4",
  },
  {
    tc: 4,
    key: K,
    iv: IV,
    p: P60,
    a: A,
    c: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    t: "5bc94fbc3221a5db94fae95ae7121a47",
  },
  { tc: 7, key: "00".repeat(24), iv: ZERO_IV, p: "", a: "", c: "", t: "cd33b28ac773f74ba00ed1f312572435" },
  {
    tc: 8,
    key: "00".repeat(24),
    iv: ZERO_IV,
    p: "00".repeat(16),
    a: "",
    c: "98e7247c07f0fe411c267e4384b0f600",
    t: "2ff58d80033927ab8ef4d4587514f0fb",
  },
  {
    tc: 9,
    key: K + K.slice(0, 16),
    iv: IV,
    p: P64,
    a: "",
    c: "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256",
    t: "9924a7c8587336bfb118024db8674a14",
  },
  {
    tc: 10,
    key: K + K.slice(0, 16),
    iv: IV,
    p: P60,
    a: A,
    c: "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
    t: "2519498e80f1478f37ba55bd6d27618c",
  },
  { tc: 13, key: "00".repeat(32), iv: ZERO_IV, p: "", a: "", c: "", t: "530f8afbc74536b9a963b4f1c4cb738b" },
  {
    tc: 14,
    key: "00".repeat(32),
    iv: ZERO_IV,
    p: "00".repeat(16),
    a: "",
    c: "cea7403d4d606b6e074ec5d3baf39d18",
    t: "d0d1c8a799996bf0265b98b5d48ab919",
  },
  {
    tc: 15,
    key: K + K,
    iv: IV,
    p: P64,
    a: "",
    c: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
    t: "b094dac5d93471bdec1a502270e3cc6c",
  },
  {
    tc: 16,
    key: K + K,
    iv: IV,
    p: P60,
    a: A,
    c: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    t: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

describe("AES-GCM", () => {
  it.each(VECTORS)("McGrew-Viega test case $tc", ({ key, iv, p, a, c, t }) => {
    const sealed = aesGcmEncrypt(oct(hex(key)), hex(p), { iv: hex(iv), aad: hex(a) });
    expect(sealed).toEqual({ ciphertext: hex(c), iv: hex(iv), tag: hex(t) });
    expect(aesGcmDecrypt(oct(hex(key)), hex(c), { iv: hex(iv), aad: hex(a), tag: hex(t) })).toEqual(hex(p));
  });

  it("round-trips any plaintext and AAD under every key size, with a fresh random 12-byte IV", () => {
    fc.assert(
      fc.property(aesKeys, fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), (k, plaintext, aad) => {
        const sealed = aesGcmEncrypt(oct(k), plaintext, { aad });
        expect(sealed.iv.length).toBe(12);
        expect(sealed.tag.length).toBe(16);
        expect(sealed.ciphertext.length).toBe(plaintext.length);
        expect(aesGcmDecrypt(oct(k), sealed.ciphertext, { iv: sealed.iv, aad, tag: sealed.tag })).toEqual(plaintext);
        expect(aesGcmEncrypt(oct(k), plaintext, { aad }).iv).not.toEqual(sealed.iv);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects any flipped bit in the tag, ciphertext, AAD or IV with the one generic failure", () => {
    fc.assert(
      fc.property(
        aesKeys,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.nat(),
        (k, plaintext, aad, bit) => {
          const { ciphertext, iv, tag } = aesGcmEncrypt(oct(k), plaintext, { aad });
          expect(() => aesGcmDecrypt(oct(k), ciphertext, { iv, aad, tag: flipBit(tag, bit) })).toThrow(failure);
          expect(() => aesGcmDecrypt(oct(k), flipBit(ciphertext, bit), { iv, aad, tag })).toThrow(failure);
          expect(() => aesGcmDecrypt(oct(k), ciphertext, { iv, aad: flipBit(aad, bit), tag })).toThrow(failure);
          expect(() => aesGcmDecrypt(oct(k), ciphertext, { iv: flipBit(iv, bit), aad, tag })).toThrow(failure);
          expect(() => aesGcmDecrypt(oct(k), ciphertext.subarray(1), { iv, aad, tag })).toThrow(failure);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses an IV that is not 12 bytes and a tag that is not 16 bytes, naming the field", () => {
    const key = oct(new Uint8Array(32));
    const { ciphertext, iv, tag } = aesGcmEncrypt(key, new Uint8Array(5));
    for (const badIv of [new Uint8Array(8), new Uint8Array(16), new Uint8Array(0)]) {
      expect(() => aesGcmEncrypt(key, new Uint8Array(5), { iv: badIv })).toThrow(badParameter("iv"));
      expect(() => aesGcmDecrypt(key, ciphertext, { iv: badIv, tag })).toThrow(badParameter("iv"));
    }
    for (const badTag of [tag.subarray(0, 12), new Uint8Array(0)]) {
      expect(() => aesGcmDecrypt(key, ciphertext, { iv, tag: badTag })).toThrow(badParameter("tag"));
    }
    expect(() => aesGcmDecrypt(key, ciphertext, { tag })).toThrow(badParameter("iv"));
    expect(() => aesGcmDecrypt(key, ciphertext, { iv })).toThrow(badParameter("tag"));
    expect(() => aesGcmEncrypt(key, "text" as unknown as Uint8Array)).toThrow(badParameter("plaintext"));
  });
});
