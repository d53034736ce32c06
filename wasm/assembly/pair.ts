// Montgomery multiplication of the two CRT halves at once: lane 0 works modulo p, lane 1
// modulo q, in f64x2 vectors of 22-bit limbs. Products of 22-bit limbs (< 2^44) and sums
// of up to 2*96 of them stay below 2^53, so every float operation is exact integer
// arithmetic; low parts and carries use exact power-of-two scaling and floor. Two products
// per mulpd/addpd on the vector units measure faster in V8 than scalar 64-bit multiplies
// (figures in the wasm note of issue 3). Operand scanning with the reduction folded into
// each row (Koc, Acar, Kaliski 1996), two rows per pass so each t[j] is loaded and stored
// once per two rows (three or four rows per pass measured no faster), and lazy carries:
// one normalization pass at the end. Squaring has its own routine (pair-square.ts).
// The moduli are Montgomery-friendly (m = -1 mod 2^22, see key-block.ts), so a quotient
// digit is just the low 22 bits of its column and the carry out of the column is
// high + q: the serial digit chain has no multiplication by -m^-1.
import { PAIR_STRIDE, PAIR_PADDING } from "./repack";
import { slot, Slot } from "./arena";

export const RADIX: f64 = 4194304.0; // 2^22
export const INV_RADIX: f64 = 1.0 / 4194304.0;

/** r[j] = the 22-bit digits of the n columns at t, carries propagated: the one normalization pass. */
// @ts-ignore: decorator
@inline export function normalizeColumns(r: usize, t: usize, n: i32): void {
  const inv = f64x2.splat(INV_RADIX);
  const radix = f64x2.splat(RADIX);
  let carry = f64x2.splat(0);
  for (let j = 0; j < n; j++) {
    const off = <usize>j * PAIR_STRIDE;
    const v = f64x2.add(v128.load(t + off), carry);
    carry = f64x2.floor(f64x2.mul(v, inv));
    v128.store(r + off, f64x2.sub(v, f64x2.mul(carry, radix)));
  }
}

/** t[j] = t[j+2] + a_i*b[j+2] + q*m[j+2] + a_(i+1)*b[j+1] + q2*m[j+1] for four outputs. */
// @ts-ignore: decorator
@inline function twoRowBlock(tj: usize, bj: usize, mj: usize, ai: v128, ai2: v128, q: v128, q2: v128): void {
  const b1 = v128.load(bj, 16);
  const m1 = v128.load(mj, 16);
  const b2 = v128.load(bj, 32);
  const m2 = v128.load(mj, 32);
  const b3 = v128.load(bj, 48);
  const m3 = v128.load(mj, 48);
  const b4 = v128.load(bj, 64);
  const m4 = v128.load(mj, 64);
  const b5 = v128.load(bj, 80);
  const m5 = v128.load(mj, 80);
  v128.store(tj, f64x2.add(f64x2.add(v128.load(tj, 32), f64x2.add(f64x2.mul(ai, b2), f64x2.mul(q, m2))), f64x2.add(f64x2.mul(ai2, b1), f64x2.mul(q2, m1))), 0);
  v128.store(tj, f64x2.add(f64x2.add(v128.load(tj, 48), f64x2.add(f64x2.mul(ai, b3), f64x2.mul(q, m3))), f64x2.add(f64x2.mul(ai2, b2), f64x2.mul(q2, m2))), 16);
  v128.store(tj, f64x2.add(f64x2.add(v128.load(tj, 64), f64x2.add(f64x2.mul(ai, b4), f64x2.mul(q, m4))), f64x2.add(f64x2.mul(ai2, b3), f64x2.mul(q2, m3))), 32);
  v128.store(tj, f64x2.add(f64x2.add(v128.load(tj, 80), f64x2.add(f64x2.mul(ai, b5), f64x2.mul(q, m5))), f64x2.add(f64x2.mul(ai2, b4), f64x2.mul(q2, m4))), 48);
}

/**
 * r = a*b/R per lane (r < 2m for a, b < 2m; R = 2^(22n) > 4m); n is a multiple of 4.
 * m = -1 mod 2^22 per lane. r may alias a or b (it is written only after the last row).
 * The quotient digits are a serial chain (tens of cycles of latency per pair of rows), so the
 * next pass's digits are computed right after the first block of the current pass, where t[0]
 * and t[1] are final, and overlap the rest of its row instead of stalling the next one.
 */
export function montMulPair(r: usize, a: usize, b: usize, m: usize, n: i32): void {
  const t = slot(Slot.Q);
  // t, b and m are read two limbs past the top (zero: see PAIR_PADDING).
  memory.fill(t, 0, <usize>(n + PAIR_PADDING) * PAIR_STRIDE);
  const inv = f64x2.splat(INV_RADIX);
  const rowBytes = <usize>n * PAIR_STRIDE;
  const bLimb0 = v128.load(b);
  const bLimb1 = v128.load(b, 16);
  const radix = f64x2.splat(RADIX);
  const m1limb = v128.load(m, 16);
  let ai = v128.load(a);
  let ai2 = v128.load(a, 16);
  const low0 = f64x2.mul(ai, bLimb0);
  const high0 = f64x2.floor(f64x2.mul(low0, inv));
  let q = f64x2.sub(low0, f64x2.mul(high0, radix));
  const low1 = f64x2.add(f64x2.add(f64x2.add(high0, q), f64x2.mul(ai2, bLimb0)), f64x2.add(f64x2.mul(ai, bLimb1), f64x2.mul(q, m1limb)));
  const high1 = f64x2.floor(f64x2.mul(low1, inv));
  let q2 = f64x2.sub(low1, f64x2.mul(high1, radix));
  let carry1 = f64x2.add(high1, q2);
  // Two rows (a_i, a_(i+1)) per pass: t[j] = t[j+2] + a_i*b[j+2] + q*m[j+2] + a_(i+1)*b[j+1] + q2*m[j+1].
  for (let i = 0; i < n; i += 2) {
    twoRowBlock(t, b, m, ai, ai2, q, q2);
    v128.store(t, f64x2.add(v128.load(t), carry1));
    let nextAi = ai;
    let nextAi2 = ai2;
    let nextQ = q;
    let nextQ2 = q2;
    if (i + 2 < n) {
      nextAi = v128.load(a + <usize>(i + 2) * PAIR_STRIDE);
      nextAi2 = v128.load(a + <usize>(i + 2) * PAIR_STRIDE, 16);
      const nextLow0 = f64x2.add(v128.load(t), f64x2.mul(nextAi, bLimb0));
      const nextHigh0 = f64x2.floor(f64x2.mul(nextLow0, inv));
      nextQ = f64x2.sub(nextLow0, f64x2.mul(nextHigh0, radix));
      const nextT1 = f64x2.add(f64x2.add(v128.load(t, 16), f64x2.add(nextHigh0, nextQ)), f64x2.add(f64x2.mul(nextAi, bLimb1), f64x2.mul(nextQ, m1limb)));
      const nextLow1 = f64x2.add(nextT1, f64x2.mul(nextAi2, bLimb0));
      const nextHigh1 = f64x2.floor(f64x2.mul(nextLow1, inv));
      nextQ2 = f64x2.sub(nextLow1, f64x2.mul(nextHigh1, radix));
      carry1 = f64x2.add(nextHigh1, nextQ2);
    }
    for (let off: usize = 4 * PAIR_STRIDE; off < rowBytes; off += 4 * PAIR_STRIDE) {
      twoRowBlock(t + off, b + off, m + off, ai, ai2, q, q2);
    }
    ai = nextAi;
    ai2 = nextAi2;
    q = nextQ;
    q2 = nextQ2;
  }
  normalizeColumns(r, t, n);
}
