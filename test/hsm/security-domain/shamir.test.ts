/** Shamir sharing over GF(2^8): the field, reconstruction from any quorum, and secrecy below it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../../src/errors.js";
import { gfInverse, gfMul } from "../../../src/hsm/security-domain/gf256.js";
import { combineShares, splitSecret, type Share } from "../../../src/hsm/security-domain/shamir.js";

/** A reference multiplication by log/exp tables over the generator 3 (FIPS 197 section 4.2). */
function referenceTables(): { exp: number[]; log: number[] } {
  const exp: number[] = [];
  const log: number[] = new Array<number>(256).fill(-1);
  let value = 1;
  for (let i = 0; i < 255; i++) {
    exp.push(value);
    log[value] = i;
    value ^= (value << 1) ^ (value & 0x80 ? 0x11b : 0);
  }
  return { exp, log };
}

/** Every subset of `items` of size `size`. */
function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}

const splitCase = fc
  .record({ count: fc.integer({ min: 2, max: 10 }), secret: fc.uint8Array({ minLength: 1, maxLength: 48 }) })
  .chain(({ count, secret }) =>
    fc.record({ count: fc.constant(count), secret: fc.constant(secret), required: fc.integer({ min: 2, max: count }) }),
  );

describe("GF(2^8)", () => {
  it("multiplies as the log/exp tables of the AES field do, for every pair", () => {
    const { exp, log } = referenceTables();
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const expected = a === 0 || b === 0 ? 0 : exp[(log[a]! + log[b]!) % 255]!;
        if (gfMul(a, b) !== expected) expect.fail(`${a}·${b}`);
      }
    }
    expect(gfMul(0x57, 0x83)).toBe(0xc1); // FIPS 197 section 4.2's example
  });

  it("inverts every non-zero element", () => {
    for (let a = 1; a < 256; a++) expect(gfMul(a, gfInverse(a))).toBe(1);
  });
});

describe("Shamir secret sharing", () => {
  it("reconstructs the secret from every subset of `required` shares (and from more)", () => {
    fc.assert(
      fc.property(splitCase, ({ secret, required, count }) => {
        const shares = splitSecret(secret, required, count);
        expect(shares.map((s) => s.x)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
        for (const subset of subsets(shares, required)) expect(combineShares(subset, required)).toEqual(secret);
        expect(combineShares(shares, required)).toEqual(secret);
      }),
      { numRuns: 60 },
    );
  });

  it("with required - 1 shares, every value of a secret byte is explained by exactly one polynomial (counted)", () => {
    // For one byte and required m in {2, 3}: enumerate every polynomial of degree m - 1 and count, for each
    // candidate secret s, those with f(0) = s passing through the m - 1 shares. Shamir's argument says the
    // count is 1 for all 256 values of s, whatever the real secret was: the shares say nothing about it.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 3, max: 10 }),
        (required, secretByte, count) => {
          const shares = splitSecret(Uint8Array.of(secretByte), required, count);
          const seen = shares.slice(count - (required - 1)).map((s) => ({ x: s.x, y: s.y[0]! }));
          const matches = new Array<number>(256).fill(0);
          const higher = required - 1; // coefficients a_1 .. a_{m-1}
          const [first, ...others] = seen;
          for (let packed = 0; packed < 256 ** higher; packed++) {
            const a1 = packed & 0xff;
            const a2 = packed >> 8;
            // Of the 256 polynomials with these higher coefficients, exactly one passes through the first share: the
            // one with this constant term. It is counted when it passes through the others too.
            const s = first!.y ^ gfMul(a1, first!.x) ^ gfMul(a2, gfMul(first!.x, first!.x));
            const through = others.every(({ x, y }) => (s ^ gfMul(a1, x) ^ gfMul(a2, gfMul(x, x))) === y);
            if (through) matches[s]!++;
          }
          expect(matches.every((count) => count === 1)).toBe(true);
        },
      ),
      { numRuns: 6 },
    );
  });

  it("gives fewer than `required` shares a different interpolation, and refuses them when asked for the quorum", () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const shares = splitSecret(secret, 3, 5);
    expect(() => combineShares(shares.slice(0, 2), 3)).toThrow(KeyholdError);
    expect(combineShares(shares.slice(0, 2), 2)).not.toEqual(secret);
  });

  it("refuses duplicate x, mismatched lengths and bad parameters, naming the field", () => {
    const shares = splitSecret(Uint8Array.of(1, 2, 3), 2, 3);
    const [a, b] = shares as [Share, Share];
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof KeyholdError ? `${error.code}:${error.field}` : "other";
      }
      return "accepted";
    };
    expect(refusal(() => combineShares([a, { x: a.x, y: b.y }], 2))).toBe("BadParameter:shares[1].x");
    expect(refusal(() => combineShares([a, { x: b.x, y: b.y.subarray(1) }], 2))).toBe("BadParameter:shares[1].y");
    expect(refusal(() => combineShares([a, { x: 0, y: b.y }], 2))).toBe("BadParameter:shares[1].x");
    expect(refusal(() => combineShares([a], 2))).toBe("BadParameter:shares");
    expect(refusal(() => splitSecret(Uint8Array.of(1), 1, 3))).toBe("BadParameter:required");
    expect(refusal(() => splitSecret(Uint8Array.of(1), 4, 3))).toBe("BadParameter:required");
    expect(refusal(() => splitSecret(Uint8Array.of(1), 2, 11))).toBe("BadParameter:count");
    expect(refusal(() => splitSecret(new Uint8Array(0), 2, 3))).toBe("BadParameter:secret");
  });

  it("evaluates the polynomial whose higher coefficients the random source gave", () => {
    const secret = Uint8Array.of(0x53, 0xca);
    // Byte i's coefficients a_1, a_2 are random[2i], random[2i + 1].
    const coefficients = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
    const shares = splitSecret(secret, 3, 4, () => Uint8Array.from(coefficients));
    for (const { x, y } of shares) {
      for (let i = 0; i < 2; i++) {
        expect(y[i]).toBe(secret[i]! ^ gfMul(coefficients[2 * i]!, x) ^ gfMul(coefficients[2 * i + 1]!, gfMul(x, x)));
      }
    }
  });

  it("draws fresh coefficients each time: two splits of one secret differ", () => {
    const secret = new Uint8Array(32).fill(9);
    expect(splitSecret(secret, 2, 3)[0]!.y).not.toEqual(splitSecret(secret, 2, 3)[0]!.y);
  });
});
