// Montgomery squaring of the two CRT halves at once on the FMA kernel's 52-bit limbs (fma-split.ts
// explains the exact splits and the biased i64 columns, fma-mul.ts the row layout). The square is formed from
// the products a_i*a_j with i < j only, their parts added twice (a shift of the biased pattern,
// so each product counts as the two ordered pairs (i, j) and (j, i), bias included), plus the
// diagonal: about half the products of a multiplication. A square's column w then holds the same
// number of product parts as a full n x n product (pairsInColumn), which gives its bias.
import { PAIR_STRIDE } from "./repack";
import { slot, Slot } from "./arena";
import { highOf, lowOf, digitOf, quotient, carryOf, scaledLimb, finish, squareBias, splitHigh, splitLow, PRODUCT_BIAS } from "./fma-split";

/**
 * Row i of the square into t (t[k] is column i+k while row i of the reduction runs): t[i] gets
 * a_i^2, t[k] twice a_i*a_k for i < k < n, each high part one column up, t[n] included.
 */
function squareRow(t: usize, a: usize, i: i32, n: i32): void {
  const rowA = a + <usize>i * PAIR_STRIDE;
  const ti = t + <usize>i * PAIR_STRIDE;
  const ai = v128.load(rowA);
  const cHi = splitHigh();
  const cLo = splitLow();
  const xd = highOf(ai, ai, cHi);
  v128.store(ti, i64x2.add(v128.load(ti), lowOf(ai, ai, xd, cHi, cLo)));
  const end = <usize>(n - i) * PAIR_STRIDE; // ti + end is t[n]
  if (i + 1 == n) {
    v128.store(ti + end, i64x2.add(v128.load(ti + end), xd));
    return;
  }
  const a1 = v128.load(rowA, 16);
  let prev = highOf(ai, a1, cHi);
  v128.store(ti, i64x2.add(v128.load(ti, 16), i64x2.add(i64x2.shl(lowOf(ai, a1, prev, cHi, cLo), 1), xd)), 16);
  // Columns i+2 .. n-1: the first (n-2-i) mod 4 one at a time, then four at a time.
  let off: usize = 2 * PAIR_STRIDE;
  const singles = off + <usize>((n - 2 - i) & 3) * PAIR_STRIDE;
  for (; off < singles; off += PAIR_STRIDE) {
    const aj = v128.load(rowA + off);
    const x = highOf(ai, aj, cHi);
    v128.store(ti + off, i64x2.add(v128.load(ti + off), i64x2.shl(i64x2.add(lowOf(ai, aj, x, cHi, cLo), prev), 1)));
    prev = x;
  }
  for (; off < end; off += 4 * PAIR_STRIDE) {
    const aj = rowA + off;
    const tj = ti + off;
    const y0 = v128.load(aj);
    const y1 = v128.load(aj, 16);
    const y2 = v128.load(aj, 32);
    const y3 = v128.load(aj, 48);
    const x0 = highOf(ai, y0, cHi);
    const x1 = highOf(ai, y1, cHi);
    const x2 = highOf(ai, y2, cHi);
    const x3 = highOf(ai, y3, cHi);
    v128.store(tj, i64x2.add(v128.load(tj), i64x2.shl(i64x2.add(lowOf(ai, y0, x0, cHi, cLo), prev), 1)));
    v128.store(tj, i64x2.add(v128.load(tj, 16), i64x2.shl(i64x2.add(lowOf(ai, y1, x1, cHi, cLo), x0), 1)), 16);
    v128.store(tj, i64x2.add(v128.load(tj, 32), i64x2.shl(i64x2.add(lowOf(ai, y2, x2, cHi, cLo), x1), 1)), 32);
    v128.store(tj, i64x2.add(v128.load(tj, 48), i64x2.shl(i64x2.add(lowOf(ai, y3, x3, cHi, cLo), x2), 1)), 48);
    prev = x3;
  }
  v128.store(ti + end, i64x2.add(v128.load(ti + end), i64x2.shl(prev, 1)));
}

/** Four columns of a reduction row: t[j-1] = t[j] + low part of q*m[j] + high part of q*m[j-1] (hi), j = 1..4 from tj = &t[1]. */
// @ts-ignore: decorator
@inline function reduceBlock(tj: usize, mj: usize, q: v128, hi: v128, cHi: v128, cLo: v128): v128 {
  const m1 = v128.load(mj);
  const m2 = v128.load(mj, 16);
  const m3 = v128.load(mj, 32);
  const m4 = v128.load(mj, 48);
  const x1 = highOf(q, m1, cHi);
  const x2 = highOf(q, m2, cHi);
  const x3 = highOf(q, m3, cHi);
  const x4 = highOf(q, m4, cHi);
  v128.store(tj - PAIR_STRIDE, i64x2.add(v128.load(tj), i64x2.add(lowOf(q, m1, x1, cHi, cLo), hi)));
  v128.store(tj, i64x2.add(v128.load(tj, 16), i64x2.add(lowOf(q, m2, x2, cHi, cLo), x1)));
  v128.store(tj, i64x2.add(v128.load(tj, 32), i64x2.add(lowOf(q, m3, x3, cHi, cLo), x2)), 16);
  v128.store(tj, i64x2.add(v128.load(tj, 48), i64x2.add(lowOf(q, m4, x4, cHi, cLo), x3)), 32);
  return x4;
}

/**
 * r = a*a/R per lane (r < 2m for a < 2m); m as for montMulFma (zero at limbs n and n+1, inverse
 * pair before it); n is a multiple of 4. r may alias a.
 */
export function montSquareFma(r: usize, a: usize, m: usize, n: i32): void {
  const t = slot(Slot.Q);
  memory.fill(t, 0, <usize>(n + 2) * PAIR_STRIDE);
  const mInv = v128.load(m - PAIR_STRIDE);
  const cHi = splitHigh();
  const cLo = splitLow();
  const m0s = scaledLimb(v128.load(m));
  const m1 = v128.load(m, 16);
  const rowBytes = <usize>n * PAIR_STRIDE;
  squareRow(t, a, 0, n);
  const v = i64x2.sub(v128.load(t), i64x2.splat(squareBias(0, n)));
  const dd = digitOf(v);
  let q = quotient(dd, mInv);
  let hi0 = carryOf(v, dd, q, m0s);
  for (let i = 0; i < n; i++) {
    // Row i of the square (row 0 went first, for the first digit) touches columns 2i and up, never
    // column i+1 once i > 0: the next digit depends on the reduction row alone.
    if (i > 0) squareRow(t, a, i, n);
    const x1 = highOf(q, m1, cHi);
    const t0 = i64x2.add(v128.load(t, 16), i64x2.add(hi0, lowOf(q, m1, x1, cHi, cLo)));
    v128.store(t, t0);
    let nextQ = q;
    if (i + 1 < n) {
      // Column i+1 (now t0) holds i+1 reduction rows' bias and the square's.
      const nextV = i64x2.sub(t0, i64x2.splat(<i64>(i + 1) * PRODUCT_BIAS + squareBias(i + 1, n)));
      const nextDd = digitOf(nextV);
      nextQ = quotient(nextDd, mInv);
      hi0 = carryOf(nextV, nextDd, nextQ, m0s);
    }
    // Columns j = 2 .. n+1; t[n] is cleared after the row (the padding column, and the square's
    // top high part once it has moved down).
    let hi = x1;
    for (let off: usize = 2 * PAIR_STRIDE; off < rowBytes; off += 4 * PAIR_STRIDE) {
      hi = reduceBlock(t + off, m + off, q, hi, cHi, cLo);
    }
    v128.store(t + rowBytes, i64x2.splat(0));
    q = nextQ;
  }
  finish(r, t, n, true);
}
