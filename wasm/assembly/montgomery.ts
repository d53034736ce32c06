// Montgomery arithmetic over n 28-bit integer limbs for the full-size modulus (public
// operation, fault check) and the per-operation CRT steps (c mod p, Garner). The
// exponentiations of the CRT halves run on the paired float kernel (pair.ts).
// R = 2^(28n) > 4m, so inputs and outputs stay below 2m and no per-step conditional
// subtraction is needed (Walter, "Montgomery exponentiation needs no final subtractions",
// 1999); one masked subtraction at the end. Finely integrated product scanning: column k
// sums a_i*b_(k-i) and q_j*m_(k-j) lazily, in 64-bit accumulators.
import { LIMB_BITS, LIMB_MASK, condSubtract } from "./limbs";
import { slot, Slot } from "./arena";

/**
 * r = a*b/R mod m (r < 2m for a, b < 2m), any n up to 160; r may alias a or b.
 * Two accumulators (products, reduction) each stay below n*2^56; they are combined by
 * splitting at LIMB_BITS, so even n > 127 cannot overflow.
 */
export function montMul(r: usize, a: usize, b: usize, m: usize, m0: u64, n: i32): void {
  const q = slot(Slot.Q);
  const m0limb = load<u64>(m);
  let carry: u64 = 0;
  for (let k = 0; k < 2 * n - 1; k++) {
    const lo = k - n + 1 > 0 ? k - n + 1 : 0;
    const hi = k < n - 1 ? k : n - 1;
    let products: u64 = 0;
    for (let i = lo; i <= hi; i++) {
      products += load<u64>(a + ((<usize>i) << 3)) * load<u64>(b + ((<usize>(k - i)) << 3));
    }
    let reduction: u64 = 0;
    const qHi = k < n ? k - 1 : n - 1;
    for (let j = lo; j <= qHi; j++) {
      reduction += load<u64>(q + ((<usize>j) << 3)) * load<u64>(m + ((<usize>(k - j)) << 3));
    }
    let t: u64 = (products & LIMB_MASK) + (reduction & LIMB_MASK) + (carry & LIMB_MASK);
    const high: u64 = (products >> LIMB_BITS) + (reduction >> LIMB_BITS) + (carry >> LIMB_BITS);
    if (k < n) {
      const qk = (t * m0) & LIMB_MASK;
      store<u64>(q + ((<usize>k) << 3), qk);
      t += qk * m0limb;
    } else {
      store<u64>(r + ((<usize>(k - n)) << 3), t & LIMB_MASK);
    }
    carry = high + (t >> LIMB_BITS);
  }
  store<u64>(r + ((<usize>(n - 1)) << 3), carry);
}

/**
 * r = t/R mod m (< 2m) for a 2n-limb normalized t < R*m: Montgomery reduction of a
 * full-size value by a half-size modulus, the first step of "c mod p" for CRT.
 */
export function montReduceWide(r: usize, t: usize, m: usize, m0: u64, n: i32): void {
  const q = slot(Slot.Q);
  const m0limb = load<u64>(m);
  let carry: u64 = 0;
  for (let k = 0; k < 2 * n; k++) {
    const lo = k - n + 1 > 0 ? k - n + 1 : 0;
    const qHi = k < n ? k - 1 : n - 1;
    let reduction: u64 = 0;
    for (let j = lo; j <= qHi; j++) {
      reduction += load<u64>(q + ((<usize>j) << 3)) * load<u64>(m + ((<usize>(k - j)) << 3));
    }
    let s: u64 = (reduction & LIMB_MASK) + load<u64>(t + ((<usize>k) << 3)) + (carry & LIMB_MASK);
    const high: u64 = (reduction >> LIMB_BITS) + (carry >> LIMB_BITS);
    if (k < n) {
      const qk = (s * m0) & LIMB_MASK;
      store<u64>(q + ((<usize>k) << 3), qk);
      s += qk * m0limb;
    } else {
      store<u64>(r + ((<usize>(k - n)) << 3), s & LIMB_MASK);
    }
    carry = high + (s >> LIMB_BITS);
  }
}

/** r (2n limbs, normalized) = a*b for n-limb normalized a, b. */
export function mulWide(r: usize, a: usize, b: usize, n: i32): void {
  let carry: u64 = 0;
  for (let k = 0; k < 2 * n; k++) {
    const lo = k - n + 1 > 0 ? k - n + 1 : 0;
    const hi = k < n - 1 ? k : n - 1;
    let products: u64 = 0;
    for (let i = lo; i <= hi; i++) {
      products += load<u64>(a + ((<usize>i) << 3)) * load<u64>(b + ((<usize>(k - i)) << 3));
    }
    const t: u64 = (products & LIMB_MASK) + (carry & LIMB_MASK);
    store<u64>(r + ((<usize>k) << 3), t & LIMB_MASK);
    carry = (products >> LIMB_BITS) + (carry >> LIMB_BITS) + (t >> LIMB_BITS);
  }
}

/** -m^-1 mod 2^64 for odd m, by Newton iteration (each step doubles the correct bits); callers keep the low limb's bits. */
export function negativeInverse64(m: u64): u64 {
  let x: u64 = m; // correct to 3 bits: m*m = 1 mod 8 for odd m
  for (let i = 0; i < 5; i++) x = x * (2 - m * x);
  return 0 - x;
}

/** -m^-1 mod 2^28 for odd m. */
export function montgomeryInverse(m: usize): u64 {
  return negativeInverse64(load<u64>(m)) & LIMB_MASK;
}

/** R^2 mod m for R = 2^(28n). */
export function montgomeryRR(r: usize, m: usize, n: i32): void {
  powerOfTwoMod(r, m, n, 2 * n * <i32>LIMB_BITS);
}

/** r = 2^exponent mod m by constant-time doublings with masked subtraction (per key, once). */
export function powerOfTwoMod(r: usize, m: usize, n: i32, exponent: i32): void {
  memory.fill(r, 0, (<usize>n) << 3);
  store<u64>(r, 1);
  const doublings = exponent;
  for (let s = 0; s < doublings; s++) {
    let carry: u64 = 0;
    for (let j = 0; j < n; j++) {
      const off = (<usize>j) << 3;
      const t = (load<u64>(r + off) << 1) | carry;
      store<u64>(r + off, t & LIMB_MASK);
      carry = t >> LIMB_BITS;
    }
    condSubtract(r, m, n);
  }
}
