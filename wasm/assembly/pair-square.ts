// Montgomery squaring of the two CRT halves at once, in the paired 22-bit float layout of
// pair.ts. The square is formed from the products a_i*a_j with i < j only, taken twice
// (2a_i as multiplier), plus the diagonal: about half the partial products of a general
// multiplication. The reduction's quotient digits form a serial chain (about 50 cycles of
// latency per digit, short here as m = -1 mod 2^22: see pair.ts), so each pass computes the next pass's two digits as soon as their
// columns are final and then does independent work (the rest of the reduction row and the
// next two rows of the square) while the chain runs.
// Every column stays below 2n*2^44 < 2^53 for n <= 96, so the float arithmetic is exact.
import { PAIR_STRIDE } from "./repack";
import { wideArea, WIDE_PADDING } from "./arena";
import { INV_RADIX, normalizeColumns, RADIX } from "./pair";

// @ts-ignore: decorator
@inline function addTo(at: usize, x: v128): void {
  v128.store(at, f64x2.add(v128.load(at), x));
}

/**
 * Rows i and i+1 of the square: t[2r] += a_r^2 and t[r+j] += 2a_r*a_j for j > r. The long part
 * (k = 2i+3 .. i+n) is rounded up to a multiple of 4 outputs; a is zero for four limbs past n.
 */
function squareRows(t: usize, a: usize, i: i32): void {
  const rowA = a + <usize>i * PAIR_STRIDE;
  const ai = v128.load(rowA);
  const ai1 = v128.load(rowA, 16);
  const di = f64x2.add(ai, ai);
  const ti = t + <usize>(2 * i) * PAIR_STRIDE;
  addTo(ti, f64x2.mul(ai, ai));
  addTo(ti + PAIR_STRIDE, f64x2.mul(di, ai1));
  addTo(ti + 2 * PAIR_STRIDE, f64x2.add(f64x2.mul(di, v128.load(rowA, 32)), f64x2.mul(ai1, ai1)));
}

// @ts-ignore: decorator
@inline function squareRowsTail(t: usize, a: usize, i: i32, n: i32): void {
  const rowA = a + <usize>i * PAIR_STRIDE;
  const ai = v128.load(rowA);
  const ai1 = v128.load(rowA, 16);
  const di = f64x2.add(ai, ai);
  const di1 = f64x2.add(ai1, ai1);
  const end = <usize>((n - i - 2 + 3) & ~3) * PAIR_STRIDE;
  const tk0 = t + <usize>(2 * i + 3) * PAIR_STRIDE;
  const aj0 = rowA + 2 * PAIR_STRIDE; // a[k-i-1] at k = 2i+3
  for (let off: usize = 0; off < end; off += 4 * PAIR_STRIDE) {
    const tk = tk0 + off;
    const aj = aj0 + off;
    const x0 = v128.load(aj);
    const x1 = v128.load(aj, 16);
    const x2 = v128.load(aj, 32);
    const x3 = v128.load(aj, 48);
    const x4 = v128.load(aj, 64);
    v128.store(tk, f64x2.add(v128.load(tk), f64x2.add(f64x2.mul(di, x1), f64x2.mul(di1, x0))), 0);
    v128.store(tk, f64x2.add(v128.load(tk, 16), f64x2.add(f64x2.mul(di, x2), f64x2.mul(di1, x1))), 16);
    v128.store(tk, f64x2.add(v128.load(tk, 32), f64x2.add(f64x2.mul(di, x3), f64x2.mul(di1, x2))), 32);
    v128.store(tk, f64x2.add(v128.load(tk, 48), f64x2.add(f64x2.mul(di, x4), f64x2.mul(di1, x3))), 48);
  }
}

/** t[j] += q*m[j+1] + q2*m[j] for four consecutive outputs (mj points at m[j]). */
// @ts-ignore: decorator
@inline function reduceBlock(tj: usize, mj: usize, q: v128, q2: v128): void {
  const y0 = v128.load(mj);
  const y1 = v128.load(mj, 16);
  const y2 = v128.load(mj, 32);
  const y3 = v128.load(mj, 48);
  const y4 = v128.load(mj, 64);
  v128.store(tj, f64x2.add(v128.load(tj), f64x2.add(f64x2.mul(q, y1), f64x2.mul(q2, y0))), 0);
  v128.store(tj, f64x2.add(v128.load(tj, 16), f64x2.add(f64x2.mul(q, y2), f64x2.mul(q2, y1))), 16);
  v128.store(tj, f64x2.add(v128.load(tj, 32), f64x2.add(f64x2.mul(q, y3), f64x2.mul(q2, y2))), 32);
  v128.store(tj, f64x2.add(v128.load(tj, 48), f64x2.add(f64x2.mul(q, y4), f64x2.mul(q2, y3))), 48);
}

/**
 * r = a*a/R per lane (r < 2m for a < 2m; R = 2^(22n) > 4m; m = -1 mod 2^22); n is a multiple
 * of 4, a is zero for four limbs past n and m for two. r may alias a.
 */
export function montSquarePair(r: usize, a: usize, m: usize, n: i32): void {
  const t = wideArea();
  memory.fill(t, 0, <usize>(2 * n + WIDE_PADDING) * PAIR_STRIDE);
  const inv = f64x2.splat(INV_RADIX);
  const radix = f64x2.splat(RADIX);
  const mLimb1 = v128.load(m, 16);
  const rowBytes = <usize>n * PAIR_STRIDE;
  squareRows(t, a, 0);
  squareRowsTail(t, a, 0, n);
  // Digits i, i+1: q from t[i], q2 from t[i+1] plus the carry and q*m[1]; carry1 goes to t[i+2].
  let low0 = v128.load(t);
  let high = f64x2.floor(f64x2.mul(low0, inv));
  let q = f64x2.sub(low0, f64x2.mul(high, radix));
  let low1 = f64x2.add(f64x2.add(v128.load(t, 16), f64x2.add(high, q)), f64x2.mul(q, mLimb1));
  high = f64x2.floor(f64x2.mul(low1, inv));
  let q2 = f64x2.sub(low1, f64x2.mul(high, radix));
  let carry1 = f64x2.add(high, q2);
  // Pass i: t[i+j] += q*m[j] + q2*m[j-1] for j = 2 .. n+1 (m is zero past n), then rows i+2, i+3 of the square.
  for (let i = 0; i < n; i += 2) {
    const tj0 = t + <usize>(i + 2) * PAIR_STRIDE;
    const mj0 = m + PAIR_STRIDE;
    reduceBlock(tj0, mj0, q, q2);
    addTo(tj0, carry1);
    let nextQ = q;
    let nextQ2 = q2;
    if (i + 2 < n) {
      // Rows up to i+1 of the square and digits up to i+1 are in t[i+2], t[i+3]: they are final.
      squareRows(t, a, i + 2);
      low0 = v128.load(tj0);
      high = f64x2.floor(f64x2.mul(low0, inv));
      nextQ = f64x2.sub(low0, f64x2.mul(high, radix));
      low1 = f64x2.add(f64x2.add(v128.load(tj0, 16), f64x2.add(high, nextQ)), f64x2.mul(nextQ, mLimb1));
      high = f64x2.floor(f64x2.mul(low1, inv));
      nextQ2 = f64x2.sub(low1, f64x2.mul(high, radix));
      carry1 = f64x2.add(high, nextQ2);
    }
    for (let off: usize = 4 * PAIR_STRIDE; off < rowBytes; off += 4 * PAIR_STRIDE) {
      reduceBlock(tj0 + off, mj0 + off, q, q2);
    }
    if (i + 2 < n) squareRowsTail(t, a, i + 2, n);
    q = nextQ;
    q2 = nextQ2;
  }
  normalizeColumns(r, t + rowBytes, n);
}
