// Montgomery multiplication of the two CRT halves at once on 52-bit limbs with fused multiply-add
// (fma-split.ts: the exact splits and biased i64 columns). Operand scanning with the reduction in
// each row: R = 2^(52n) > 4m, inputs < 2m, output < 2m, no final subtraction. The quotient digits
// form a serial chain, kept short: each row computes the next row's digit as soon as that column
// is final, q comes from one exact split and the column's carry from one fma (fma-split.ts), so
// the chain's latency overlaps the rest of the row.
import { PAIR_STRIDE } from "./repack";
import { slot, Slot } from "./arena";
import {
  highOf, lowOf, digitOf, quotient, carryOf, scaledLimb, finish, splitHigh, splitLow, BITS_LO, PRODUCT_BIAS,
} from "./fma-split";

/**
 * Four columns of row i: t[j-1] = t[j] + low parts of a_i*b[j], q*m[j] + high parts of
 * a_i*b[j-1], q*m[j-1] for four j from tj = &t[j] (hi: the high parts of column j-1, already
 * summed). Returns the summed high parts of the block's last column, for the next block.
 */
// @ts-ignore: decorator
@inline function mulBlock(tj: usize, bj: usize, mj: usize, ai: v128, q: v128, hi: v128, cHi: v128, cLo: v128): v128 {
  const b1 = v128.load(bj);
  const m1 = v128.load(mj);
  const xa1 = highOf(ai, b1, cHi);
  const xq1 = highOf(q, m1, cHi);
  v128.store(tj - PAIR_STRIDE, i64x2.add(i64x2.add(v128.load(tj), i64x2.add(lowOf(ai, b1, xa1, cHi, cLo), lowOf(q, m1, xq1, cHi, cLo))), hi));
  const b2 = v128.load(bj, 16);
  const m2 = v128.load(mj, 16);
  const xa2 = highOf(ai, b2, cHi);
  const xq2 = highOf(q, m2, cHi);
  v128.store(tj, i64x2.add(i64x2.add(v128.load(tj, 16), i64x2.add(lowOf(ai, b2, xa2, cHi, cLo), lowOf(q, m2, xq2, cHi, cLo))), i64x2.add(xa1, xq1)));
  const b3 = v128.load(bj, 32);
  const m3 = v128.load(mj, 32);
  const xa3 = highOf(ai, b3, cHi);
  const xq3 = highOf(q, m3, cHi);
  v128.store(tj, i64x2.add(i64x2.add(v128.load(tj, 32), i64x2.add(lowOf(ai, b3, xa3, cHi, cLo), lowOf(q, m3, xq3, cHi, cLo))), i64x2.add(xa2, xq2)), 16);
  const b4 = v128.load(bj, 48);
  const m4 = v128.load(mj, 48);
  const xa4 = highOf(ai, b4, cHi);
  const xq4 = highOf(q, m4, cHi);
  v128.store(tj, i64x2.add(i64x2.add(v128.load(tj, 48), i64x2.add(lowOf(ai, b4, xa4, cHi, cLo), lowOf(q, m4, xq4, cHi, cLo))), i64x2.add(xa3, xq3)), 32);
  return i64x2.add(xa4, xq4);
}

/**
 * r = a*b/R per lane (r < 2m for a, b < 2m); m points at n paired limbs preceded by the pair
 * -m^-1 mod 2^52 per lane; b and m are zero at limbs n and n+1 (read by the last block). n is a
 * multiple of 4. r may alias a or b (written only after the last row).
 */
export function montMulFma(r: usize, a: usize, b: usize, m: usize, n: i32): void {
  // t[j] is column i+j during row i; one row adds the products of a_i and q_i, then moves down one.
  const t = slot(Slot.Q);
  memory.fill(t, 0, <usize>(n + 2) * PAIR_STRIDE);
  const mInv = v128.load(m - PAIR_STRIDE);
  const cHi = splitHigh();
  const cLo = splitLow();
  const b0 = v128.load(b);
  const b1 = v128.load(b, 16);
  const m0 = v128.load(m);
  const m1 = v128.load(m, 16);
  const m0s = scaledLimb(m0);
  const rowBytes = <usize>n * PAIR_STRIDE;
  let ai = v128.load(a);
  const xa0 = highOf(ai, b0, cHi);
  const v = i64x2.sub(lowOf(ai, b0, xa0, cHi, cLo), i64x2.splat(BITS_LO));
  const dd = digitOf(v);
  let q = quotient(dd, mInv);
  // hi0: what column i+1 gets from column i (the high part of a_i*b0, and the carry).
  let hi0 = i64x2.add(xa0, carryOf(v, dd, q, m0s));
  // Column i+1, read in row i for the next digit, has i+1 rows of bias and a_(i+1)*b0's low part.
  let bias: i64 = 2 * PRODUCT_BIAS + BITS_LO;
  for (let i = 0; i < n; i++) {
    const xa1 = highOf(ai, b1, cHi);
    const xq1 = highOf(q, m1, cHi);
    const t0 = i64x2.add(i64x2.add(v128.load(t, 16), lowOf(ai, b1, xa1, cHi, cLo)), i64x2.add(hi0, lowOf(q, m1, xq1, cHi, cLo)));
    v128.store(t, t0);
    let nextAi = ai;
    let nextQ = q;
    if (i + 1 < n) {
      // t0 is column i+1, final but for a_(i+1)*b0 and q_(i+1)*m0: the next digit now, so its
      // latency overlaps the rest of this row.
      nextAi = v128.load(a + <usize>(i + 1) * PAIR_STRIDE);
      const nextXa0 = highOf(nextAi, b0, cHi);
      const nextV = i64x2.sub(i64x2.add(t0, lowOf(nextAi, b0, nextXa0, cHi, cLo)), i64x2.splat(bias));
      const nextDd = digitOf(nextV);
      nextQ = quotient(nextDd, mInv);
      hi0 = i64x2.add(nextXa0, carryOf(nextV, nextDd, nextQ, m0s));
    }
    // Columns j = 2 .. n+1 (n+1 is zero padding: its column t[n] is cleared after the row).
    let hi = i64x2.add(xa1, xq1);
    for (let off: usize = 2 * PAIR_STRIDE; off < rowBytes; off += 4 * PAIR_STRIDE) {
      hi = mulBlock(t + off, b + off, m + off, ai, q, hi, cHi, cLo);
    }
    v128.store(t + rowBytes, i64x2.splat(0));
    ai = nextAi;
    q = nextQ;
    bias += 2 * PRODUCT_BIAS;
  }
  finish(r, t, n, false);
}
