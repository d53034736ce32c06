import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CURVES } from "../../../src/crypto/algorithms.js";
import { curveParameters } from "../../../src/crypto/ec/curves.js";
import { modInverse, modInverseAll } from "../../../src/crypto/ec/modular.js";
import { CURVE_NAMES } from "./signatures.js";

/** The moduli the providers invert in: each curve's field prime and order. */
const MODULI = CURVE_NAMES.flatMap((name) => {
  const { p, n } = curveParameters(CURVES[name]);
  return [
    [`${name} p`, p],
    [`${name} n`, n],
  ] as const;
});

/** value^(m−2) mod m: Fermat's inverse, by a different algorithm than the one under test. */
function fermatInverse(value: bigint, m: bigint): bigint {
  let result = 1n;
  let base = value % m;
  for (let e = m - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % m;
    base = (base * base) % m;
  }
  return result;
}

/** Residues in [1, m−1], with the ends and small values drawn often. */
const residue = (m: bigint) =>
  fc.oneof(
    fc.bigInt({ min: 1n, max: m - 1n }),
    fc.constantFrom(1n, 2n, 3n, m - 1n, m - 2n, (m - 1n) / 2n),
    fc.bigInt({ min: 1n, max: 1n << 64n }),
  );

describe.each(MODULI)("modular inversion mod %s", (_name, m) => {
  it("modInverse agrees with Fermat's inverse, and value·inverse ≡ 1", () => {
    fc.assert(
      fc.property(residue(m), (value) => {
        const inverse = modInverse(value, m);
        expect(inverse).toBe(fermatInverse(value, m));
        expect((inverse * value) % m).toBe(1n);
      }),
      { numRuns: 300 },
    );
  });

  it("reduces its input first (negative values and multiples of m plus a residue)", () => {
    expect(modInverse(-1n, m)).toBe(m - 1n);
    expect(modInverse(m + 2n, m)).toBe(fermatInverse(2n, m));
  });

  it("refuses 0 and m (not invertible) instead of answering", () => {
    expect(() => modInverse(0n, m)).toThrow(RangeError);
    expect(() => modInverse(m, m)).toThrow(RangeError);
  });

  it("modInverseAll (Montgomery's trick) answers each value's own inverse, in order", () => {
    fc.assert(
      fc.property(fc.array(residue(m), { minLength: 0, maxLength: 40 }), (values) => {
        expect(modInverseAll(values, m)).toEqual(values.map((value) => fermatInverse(value, m)));
      }),
      { numRuns: 60 },
    );
  });

  it("modInverseAll refuses a batch with a value ≡ 0 rather than answer wrong inverses for the rest", () => {
    expect(() => modInverseAll([3n, 0n, 5n], m)).toThrow(RangeError);
    expect(() => modInverseAll([3n, m, 5n], m)).toThrow(RangeError);
  });
});
