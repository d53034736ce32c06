// The arithmetic under the FMA kernels (fma-mul.ts, fma-square.ts): both CRT halves at once (lane
// 0 modulo p, lane 1 modulo q) on 52-bit limbs held as exact doubles, products split exactly with
// fused multiply-add (relaxed SIMD f64x2.relaxed_madd, one rounding). Built only into the FMA
// module (lanes.ts): without a fused FMA the splits are wrong, so the loader checks fused-ness
// and a known answer before using the module (src/crypto/bignum/kernel-select.ts).
//
// Exact split of a limb product P = a*b (0 <= a, b < 2^52, so P < 2^104):
//   x  = fma(a, b, 2^104)        = 2^104 + H, H = P rounded to a multiple of 2^52 (x lies in
//                                  [2^104, 2^105) where the spacing of doubles is 2^52)
//   lo = fma(a, b, 2^104 - x)    = P - H exactly (2^104 - x = -H is exact; |lo| <= 2^51)
// The high digit H/2^52 is read from x's bit pattern: bits(x) = bits(2^104) + H/2^52. The low part
// becomes an integer the same way: bits(lo + 1.5*2^52) = bits(1.5*2^52) + lo (lo + 1.5*2^52 lies in
// [2^52, 2^53], spacing 1, and the bit patterns run on linearly into 2^53). Both are summed in
// i64x2 column accumulators; the constant bias each term brings is a public count of terms times
// the bit pattern, subtracted when a column is read. A column holds at most 2n high digits
// (<= 2^52) and 2n low parts (|.| <= 2^51) plus a carry: below 2^59 for n <= 80 (the 4096-bit
// modulus of the public exponent), far from overflow; the biases wrap modulo 2^64, harmlessly.
// So a 52x52-bit product costs 4 float ops and 2 integer adds, against one multiply-add per
// 22x22-bit product in pair.ts: (52/22)^2 = 5.6 times fewer products.
import { PAIR_STRIDE } from "./repack";

export const FMA_LIMB_BITS: u32 = 52;

const C_HI: f64 = 20282409603651670423947251286016.0; // 2^104
const C_LO: f64 = 6755399441055744.0; // 1.5 * 2^52
const C_Q: f64 = 40564819207303340847894502572032.0; // 2^105
const TWO52: f64 = 4503599627370496.0; // 2^52
const INV_TWO52: f64 = 1.0 / 4503599627370496.0;
const BITS_HI: i64 = 0x4670000000000000; // bit pattern of 2^104
export const BITS_LO: i64 = 0x4338000000000000; // bit pattern of 1.5 * 2^52
const BITS_TWO52: i64 = 0x4330000000000000; // bit pattern of 2^52
const DIGIT_MASK: i64 = 0x000fffffffffffff;
/** Bias of one product's two parts in the columns they reach. */
export const PRODUCT_BIAS: i64 = BITS_HI + BITS_LO;
/** Makes carryOf's pattern (2^52 + 1 + carry) carry the bias of a product's high part instead. */
const CARRY_FIX: i64 = BITS_HI - BITS_TWO52 - 1;

// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  return f64x2.relaxed_madd(a, b, c);
}

/**
 * The split constants 2^104 and 1.5*2^52 (both lanes), read from memory: as v128.const operands
 * (what binaryen folds splats into) V8 rebuilds them at every use inside the loops.
 */
const SPLIT_CONSTANTS = memory.data<f64>([C_HI, C_HI, C_LO, C_LO]);

// @ts-ignore: decorator
@inline export function splitHigh(): v128 {
  return v128.load(SPLIT_CONSTANTS);
}

// @ts-ignore: decorator
@inline export function splitLow(): v128 {
  return v128.load(SPLIT_CONSTANTS, 16);
}

/** The high part of a*b as x = 2^104 + H (its bit pattern is the biased high digit). */
// @ts-ignore: decorator
@inline export function highOf(a: v128, b: v128, cHi: v128): v128 {
  return fma(a, b, cHi);
}

/** The bit pattern of 1.5*2^52 + (a*b - H) for x = highOf(a, b, cHi): the biased low part. */
// @ts-ignore: decorator
@inline export function lowOf(a: v128, b: v128, x: v128, cHi: v128, cLo: v128): v128 {
  return f64x2.add(fma(a, b, f64x2.sub(cHi, x)), cLo);
}

/** dd = 2^52 + (v mod 2^52) as a double, for a column's unbiased value v (i64x2). */
// @ts-ignore: decorator
@inline export function digitOf(v: v128): v128 {
  return v128.or(v128.and(v, i64x2.splat(DIGIT_MASK)), i64x2.splat(BITS_TWO52));
}

/**
 * The quotient digit q = d * (-m^-1) mod 2^52, as a double in [0, 2^52], from dd = 2^52 + d:
 * dd * mInv = d * mInv mod 2^52 and is below 2^105, so y = fma(dd, mInv, 2^105) rounds it to a
 * multiple of 2^53 and the exact remainder lies in [-2^52, 2^52]; a mask adds 2^52 if negative.
 * q = 2^52 is possible and harmless: q*m[j] < 2^104 still, and q*m0 = -d mod 2^52 all the same.
 */
// @ts-ignore: decorator
@inline export function quotient(dd: v128, mInv: v128): v128 {
  const cQ = f64x2.splat(C_Q);
  const y = fma(dd, mInv, cQ);
  const low = fma(dd, mInv, f64x2.sub(cQ, y));
  return f64x2.add(low, v128.and(f64x2.lt(low, f64x2.splat(0)), f64x2.splat(TWO52)));
}

/**
 * What column i+1 gets from column i (value v, digit dd as above, quotient q) in place of the
 * product q*m0: v + q*m0 = 2^52 * (floor(v/2^52) + k) with k = (d + q*m0)/2^52 an integer below
 * 2^52, and fma(q, m0/2^52, dd/2^52) = 1 + k exactly (the exact sum is an integer below 2^53).
 * Its pattern after adding 2^52 is BITS_TWO52 + 1 + k; CARRY_FIX turns that offset into the bias
 * q*m0's high part would have brought, so every row adds the same bias to every column it touches.
 */
// @ts-ignore: decorator
@inline export function carryOf(v: v128, dd: v128, q: v128, m0s: v128): v128 {
  const k = fma(q, m0s, f64x2.mul(dd, f64x2.splat(INV_TWO52)));
  return i64x2.add(i64x2.add(i64x2.shr_s(v, 52), i64x2.splat(CARRY_FIX)), f64x2.add(k, f64x2.splat(TWO52)));
}

/** m0 / 2^52 for carryOf. */
// @ts-ignore: decorator
@inline export function scaledLimb(m0: v128): v128 {
  return f64x2.mul(m0, f64x2.splat(INV_TWO52));
}

/** Integer digits in [0, 2^52) -> the same values as doubles. */
// @ts-ignore: decorator
@inline function digitToDouble(d: v128): v128 {
  return f64x2.sub(v128.or(d, i64x2.splat(BITS_TWO52)), f64x2.splat(TWO52));
}

/**
 * r = the n columns t[0..n-1] (the top half of the reduced product) less their biases, carried
 * into 52-bit digits.
 */
// @ts-ignore: decorator
@inline export function finish(r: usize, t: usize, n: i32, square: bool): void {
  let carry = i64x2.splat(0);
  for (let j = 0; j < n; j++) {
    const off = <usize>j * PAIR_STRIDE;
    const v = i64x2.add(i64x2.sub(v128.load(t + off), i64x2.splat(finalBias(j, n, square))), carry);
    if (j == n - 1) {
      v128.store(r + off, digitToDouble(v)); // the top digit: r < 2m < 2^(52n-1)
    } else {
      carry = i64x2.shr_s(v, 52);
      v128.store(r + off, digitToDouble(v128.and(v, i64x2.splat(DIGIT_MASK))));
    }
  }
}

/** Ordered limb pairs (i, j) in [0, n)^2 with i + j = s: the products of a full n x n product in column s. */
// @ts-ignore: decorator
@inline function pairsInColumn(s: i32, n: i32): i64 {
  if (s < 0 || s > 2 * n - 2) return 0;
  return <i64>(s < 2 * n - 2 - s ? s : 2 * n - 2 - s) + 1;
}

/**
 * Bias of result column j (absolute column n+j) after all rows. Row i touches columns i+1 .. i+n
 * once per reduction product (and once per multiplication product when not squaring), so
 * n-j rows reach it; a square's products are counted by pairsInColumn (fma-square.ts).
 */
function finalBias(j: i32, n: i32, square: bool): i64 {
  const rows = <i64>(n - j);
  if (!square) return rows * 2 * PRODUCT_BIAS;
  return rows * PRODUCT_BIAS + squareBias(n + j, n);
}

/** Bias of column w from the products of a square: low parts of column w, high parts of column w-1. */
// @ts-ignore: decorator
@inline export function squareBias(w: i32, n: i32): i64 {
  return pairsInColumn(w, n) * BITS_LO + pairsInColumn(w - 1, n) * BITS_HI;
}

