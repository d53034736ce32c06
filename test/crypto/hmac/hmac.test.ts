import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HashName } from "../../../src/crypto/algorithms.js";
import { hmacSign, hmacVerify } from "../../../src/crypto/hmac.js";
import type { OctKey } from "../../../src/crypto/jwk.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));
const oct = (k: Uint8Array): OctKey => ({ kty: "oct", k });

/** RFC 4231 section 4, test cases 1-7: key, data, and the MACs for SHA-256, SHA-384, SHA-512. */
const RFC4231: readonly { tc: number; key: Uint8Array; data: Uint8Array; mac: Record<Exclude<HashName, "SHA-1">, string> }[] = [
  {
    tc: 1,
    key: hex("0b".repeat(20)),
    data: text("Hi There"),
    mac: {
      "SHA-256": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "SHA-384": "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      "SHA-512":
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
    },
  },
  {
    tc: 2,
    key: text("Jefe"),
    data: text("what do ya want for nothing?"),
    mac: {
      "SHA-256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "SHA-384": "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
      "SHA-512":
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    },
  },
  {
    tc: 3,
    key: hex("aa".repeat(20)),
    data: hex("dd".repeat(50)),
    mac: {
      "SHA-256": "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      "SHA-384": "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
      "SHA-512":
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
    },
  },
  {
    tc: 4,
    key: hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    data: hex("cd".repeat(50)),
    mac: {
      "SHA-256": "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      "SHA-384": "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
      "SHA-512":
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
    },
  },
  {
    // Truncated to 128 bits in the RFC.
    tc: 5,
    key: hex("0c".repeat(20)),
    data: text("Test With Truncation"),
    mac: {
      "SHA-256": "a3b6167473100ee06e0c796c2955552b",
      "SHA-384": "3abf34c3503b2a23a46efc619baef897",
      "SHA-512": "415fad6271580a531d4179bc891d87a6",
    },
  },
  {
    tc: 6,
    key: hex("aa".repeat(131)),
    data: text("Test Using Larger Than Block-Size Key - Hash Key First"),
    mac: {
      "SHA-256": "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      "SHA-384": "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
      "SHA-512":
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    },
  },
  {
    tc: 7,
    key: hex("aa".repeat(131)),
    data: text(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    mac: {
      "SHA-256": "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      "SHA-384": "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
      "SHA-512":
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
    },
  },
];

const HASHES = ["SHA-256", "SHA-384", "SHA-512"] as const;

describe("HMAC (RFC 4231)", () => {
  for (const vector of RFC4231) {
    it.each(HASHES)(`test case ${vector.tc} with %s`, (hash) => {
      const expected = hex(vector.mac[hash]);
      const mac = hmacSign(hash, oct(vector.key), vector.data);
      if (vector.tc === 5) {
        expect(mac.subarray(0, 16)).toEqual(expected);
        // A truncated MAC is a wrong-length MAC: not accepted.
        expect(hmacVerify(hash, oct(vector.key), vector.data, expected)).toBe(false);
      } else {
        expect(mac).toEqual(expected);
      }
      expect(hmacVerify(hash, oct(vector.key), vector.data, mac)).toBe(true);
    });
  }

  it.each(HASHES)("%s: verify accepts the MAC and rejects any flipped bit, other data, or another length", (hash) => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(),
        (k, data, bit) => {
          const key = oct(k);
          const mac = hmacSign(hash, key, data);
          expect(hmacVerify(hash, key, data, mac)).toBe(true);
          const flipped = Uint8Array.from(mac);
          const index = bit % (mac.length * 8);
          flipped[index >> 3] = (flipped[index >> 3] ?? 0) ^ (1 << (index & 7));
          expect(hmacVerify(hash, key, data, flipped)).toBe(false);
          expect(hmacVerify(hash, key, Uint8Array.of(...data, 0), mac)).toBe(false);
          expect(hmacVerify(hash, key, data, mac.subarray(1))).toBe(false);
          expect(hmacVerify(hash, key, data, new Uint8Array(0))).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses data that is not bytes, naming the field", () => {
    expect(() => hmacSign("SHA-256", oct(new Uint8Array(32)), "abc" as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: "BadParameter", field: "digest" }),
    );
  });
});
