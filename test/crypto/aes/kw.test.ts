import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aesKeyUnwrap, aesKeyUnwrapPad, aesKeyWrap, aesKeyWrapPad } from "../../../src/crypto/aes/kw.js";
import { aesKeys, badParameter, failure, flipBit, hex, oct } from "./helpers.js";

const KEK = "000102030405060708090A0B0C0D0E0F1011121314151617 18191A1B1C1D1E1F";
const KEY = "00112233445566778899AABBCCDDEEFF 0001020304050607 08090A0B0C0D0E0F";

/** RFC 3394 section 4, all six vectors: KEK bytes, key-data bytes, ciphertext. */
const RFC3394 = [
  { section: "4.1", kek: 16, key: 16, c: "1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5" },
  { section: "4.2", kek: 24, key: 16, c: "96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D" },
  { section: "4.3", kek: 32, key: 16, c: "64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7" },
  { section: "4.4", kek: 24, key: 24, c: "031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2" },
  { section: "4.5", kek: 32, key: 24, c: "A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1" },
  {
    section: "4.6",
    kek: 32,
    key: 32,
    c: "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21",
  },
];

/** RFC 5649 section 6, both vectors (192-bit KEK). */
const RFC5649_KEK = hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
const RFC5649 = [
  {
    bytes: 20,
    key: "c37b7e6492584340 bed1220780894115 5068f738",
    c: "138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a",
  },
  { bytes: 7, key: "466f7250617369", c: "afbeb0f07dfbf541 9200f2ccb50bb24f" },
];

describe("AES key wrap (RFC 3394)", () => {
  it.each(RFC3394)("section $section", ({ kek, key, c }) => {
    const kekKey = oct(hex(KEK).subarray(0, kek));
    const keyData = hex(KEY).subarray(0, key);
    expect(aesKeyWrap(kekKey, keyData)).toEqual(hex(c));
    expect(aesKeyUnwrap(kekKey, hex(c))).toEqual(keyData);
  });

  it("round-trips every multiple of 8 bytes from 16, and rejects any flipped bit of the wrapped key", () => {
    const keyData = fc.integer({ min: 2, max: 8 }).chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }));
    fc.assert(
      fc.property(aesKeys, keyData, fc.nat(), (kek, key, bit) => {
        const wrapped = aesKeyWrap(oct(kek), key);
        expect(wrapped.length).toBe(key.length + 8);
        expect(aesKeyUnwrap(oct(kek), wrapped)).toEqual(key);
        expect(() => aesKeyUnwrap(oct(kek), flipBit(wrapped, bit))).toThrow(failure);
        // Dropping a semiblock leaves a well-formed length (24+ bytes) that fails the integrity check.
        if (key.length > 16) expect(() => aesKeyUnwrap(oct(kek), wrapped.subarray(0, wrapped.length - 8))).toThrow(failure);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses key data and wrapped keys of the wrong length, naming the field", () => {
    const kek = oct(new Uint8Array(16));
    for (const length of [0, 8, 15, 17, 23]) {
      expect(() => aesKeyWrap(kek, new Uint8Array(length))).toThrow(badParameter("keyToWrap"));
    }
    for (const length of [0, 8, 16, 25]) {
      expect(() => aesKeyUnwrap(kek, new Uint8Array(length))).toThrow(badParameter("wrapped"));
    }
  });
});

describe("AES key wrap with padding (RFC 5649)", () => {
  it.each(RFC5649)("section 6, $bytes-byte key", ({ key, c }) => {
    expect(aesKeyWrapPad(oct(RFC5649_KEK), hex(key))).toEqual(hex(c));
    expect(aesKeyUnwrapPad(oct(RFC5649_KEK), hex(c))).toEqual(hex(key));
  });

  it("round-trips every length from 1 byte, and rejects any flipped bit of the wrapped key", () => {
    fc.assert(
      fc.property(aesKeys, fc.uint8Array({ minLength: 1, maxLength: 70 }), fc.nat(), (kek, key, bit) => {
        const wrapped = aesKeyWrapPad(oct(kek), key);
        expect(wrapped.length).toBe(8 * Math.ceil(key.length / 8) + 8);
        expect(aesKeyUnwrapPad(oct(kek), wrapped)).toEqual(key);
        expect(() => aesKeyUnwrapPad(oct(kek), flipBit(wrapped, bit))).toThrow(failure);
      }),
      { numRuns: 80 },
    );
  });

  it("rejects an RFC 3394 wrapping (wrong AIV), a wrong MLI and nonzero padding", () => {
    const kek = oct(RFC5649_KEK);
    // RFC 3394 output of 16 bytes carries A6A6A6A6A6A6A6A6, not A65959A6 || MLI.
    expect(() => aesKeyUnwrapPad(kek, aesKeyWrap(kek, new Uint8Array(16).fill(1)))).toThrow(failure);
    // RFC 5649 output is RFC 3394 (section 2.2.1) of the padded data under the AIV
    // A65959A6 || MLI, so OpenSSL's RFC 3394 wrap with that IV builds any MLI and padding.
    const wrapWithMli = (mli: number, padded: Uint8Array): Uint8Array => {
      const aiv = Uint8Array.of(0xa6, 0x59, 0x59, 0xa6, mli >>> 24, (mli >>> 16) & 0xff, (mli >>> 8) & 0xff, mli & 0xff);
      const cipher = createCipheriv("id-aes192-wrap", RFC5649_KEK, aiv);
      return new Uint8Array(Buffer.concat([cipher.update(padded), cipher.final()]));
    };
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 0, 0);
    expect(aesKeyUnwrapPad(kek, wrapWithMli(13, data))).toEqual(data.subarray(0, 13));
    expect(aesKeyUnwrapPad(kek, wrapWithMli(14, data))).toEqual(data.subarray(0, 14));
    expect(() => aesKeyUnwrapPad(kek, wrapWithMli(12, data))).toThrow(failure); // padding byte 13 is nonzero
    expect(() => aesKeyUnwrapPad(kek, wrapWithMli(8, data))).toThrow(failure); // MLI <= 8 needs one semiblock, not two
    expect(() => aesKeyUnwrapPad(kek, wrapWithMli(17, data))).toThrow(failure); // MLI beyond the data
    expect(() => aesKeyUnwrapPad(kek, wrapWithMli(0, data))).toThrow(failure);
  });

  it("refuses empty key data and malformed wrapped lengths, naming the field", () => {
    const kek = oct(new Uint8Array(32));
    expect(() => aesKeyWrapPad(kek, new Uint8Array(0))).toThrow(badParameter("keyToWrap"));
    for (const length of [0, 8, 15, 17]) {
      expect(() => aesKeyUnwrapPad(kek, new Uint8Array(length))).toThrow(badParameter("wrapped"));
    }
  });
});
