// Modular exponentiation. Secret exponents (the CRT halves) use a fixed window: the
// exponent's bits are only ever used as data, each window value selecting a table entry
// through masks while every entry is read, and the sequence of squarings and
// multiplications depends only on the public exponent length (cf. Go
// crypto/internal/fips140/bigmod Nat.Exp). The public exponent may steer branches.
import { LIMB_BITS, maskIfEqual, condSubtract, zeroLimbs, copyLimbs } from "./limbs";
import { montMul } from "./montgomery";
import { slot, Slot, tableEntry, TABLE_ENTRIES, maskArea } from "./arena";
import { laneMul, laneSquare, laneModulus, laneRR, LANE_LIMB_BITS } from "./lanes";
import { PAIR_STRIDE, toPairLane, fromPairLane } from "./repack";

export const WINDOW_BITS: i32 = 5;

/** WINDOW_BITS bits of the exponent starting at bit position `pos` (public). */
function windowAt(exp: usize, expLimbs: i32, pos: i32): u32 {
  const limb = pos / <i32>LIMB_BITS;
  const shift = <u64>(pos % <i32>LIMB_BITS);
  const low: u64 = limb < expLimbs ? load<u64>(exp + ((<usize>limb) << 3)) : 0;
  const high: u64 = limb + 1 < expLimbs ? load<u64>(exp + ((<usize>(limb + 1)) << 3)) : 0;
  return <u32>(((low | (high << LIMB_BITS)) >> shift) & ((1 << WINDOW_BITS) - 1));
}

/** r = base^e mod m for a public exponent (left-to-right binary; e's bits may steer branches). */
export function modExpPublic(r: usize, base: usize, e: usize, eBits: i32, m: usize, m0: u64, rr: usize, n: i32): void {
  const one = slot(Slot.ONE);
  zeroLimbs(one, n);
  store<u64>(one, 1);
  const baseMont = slot(Slot.CHECK_BASE);
  montMul(baseMont, base, rr, m, m0, n);
  const acc = slot(Slot.CHECK);
  copyLimbs(acc, baseMont, n);
  for (let bit = eBits - 2; bit >= 0; bit--) {
    montMul(acc, acc, acc, m, m0, n);
    const limb = load<u64>(e + ((<usize>(bit / <i32>LIMB_BITS)) << 3));
    if (((limb >> <u64>(bit % <i32>LIMB_BITS)) & 1) != 0) montMul(acc, acc, baseMont, m, m0, n);
  }
  montMul(r, acc, one, m, m0, n);
  condSubtract(r, m, n);
}

/**
 * r = base^e mod m (n28 28-bit limbs, base < 2m) for a public exponent on the lanes, both lanes
 * modulo m (section: m's lane section of nL limbs, lanes.ts); e's bits may steer branches.
 */
export function modExpPublicLanes(r: usize, base: usize, e: usize, eBits: i32, m: usize, n28: i32, section: usize, nL: i32): void {
  const mL = laneModulus(section);
  const bytes = <usize>(nL + 2) * PAIR_STRIDE; // the FMA kernels read two zero limbs past the top
  const one = slot(Slot.ONE);
  memory.fill(one, 0, bytes);
  v128.store(one, f64x2.splat(1.0));
  const baseMont = slot(Slot.CHECK_BASE);
  memory.fill(baseMont, 0, bytes);
  toPairLane(baseMont, 0, nL, base, n28, LANE_LIMB_BITS);
  toPairLane(baseMont, 1, nL, base, n28, LANE_LIMB_BITS);
  laneMul(baseMont, baseMont, laneRR(section, nL), mL, nL);
  const acc = slot(Slot.CHECK);
  memory.fill(acc, 0, bytes);
  memory.copy(acc, baseMont, <usize>nL * PAIR_STRIDE);
  for (let bit = eBits - 2; bit >= 0; bit--) {
    laneSquare(acc, acc, mL, nL);
    const limb = load<u64>(e + ((<usize>(bit / <i32>LIMB_BITS)) << 3));
    if (((limb >> <u64>(bit % <i32>LIMB_BITS)) & 1) != 0) laneMul(acc, acc, baseMont, mL, nL);
  }
  laneMul(acc, acc, one, mL, nL); // < m + 1: at most one subtraction
  fromPairLane(r, n28, acc, 0, nL, LANE_LIMB_BITS);
  condSubtract(r, m, n28);
}

/**
 * Paired-lane table lookup: lane 0 takes entry indexP, lane 1 entry indexQ; every entry is read.
 * Four limbs at a time across all entries, accumulated in locals, so r is written once.
 */
function selectPair(r: usize, indexP: u32, indexQ: u32, n: i32): void {
  const masks = maskArea();
  for (let i = 0; i < TABLE_ENTRIES; i++) {
    v128.store(masks + <usize>i * 16, i64x2.replace_lane(i64x2.splat(maskIfEqual(<u32>i, indexP)), 1, maskIfEqual(<u32>i, indexQ)));
  }
  for (let j = 0; j < n; j += 4) {
    const off = <usize>j * PAIR_STRIDE;
    let r0 = v128.splat<i64>(0);
    let r1 = r0;
    let r2 = r0;
    let r3 = r0;
    for (let i = 0; i < TABLE_ENTRIES; i++) {
      const mask = v128.load(masks + <usize>i * 16);
      const entry = tableEntry(i) + off;
      r0 = v128.or(r0, v128.and(v128.load(entry), mask));
      r1 = v128.or(r1, v128.and(v128.load(entry, 16), mask));
      r2 = v128.or(r2, v128.and(v128.load(entry, 32), mask));
      r3 = v128.or(r3, v128.and(v128.load(entry, 48), mask));
    }
    v128.store(r + off, r0);
    v128.store(r + off, r1, 16);
    v128.store(r + off, r2, 32);
    v128.store(r + off, r3, 48);
  }
}

/**
 * Both CRT exponentiations at once (lane 0: base^expP mod p, lane 1: base^expQ mod q) on
 * paired float limbs (lanes.ts); the exponents are 28-bit limb vectors of the same public length.
 * r is < 2m per lane for the lanes' modulus m (the caller converts back and subtracts once).
 */
export function modExpSecretPair(
  r: usize,
  base: usize,
  expP: usize,
  expQ: usize,
  expLimbs: i32,
  expBits: i32,
  m: usize,
  rr: usize,
  n: i32,
): void {
  const one = slot(Slot.ONE);
  memory.fill(one, 0, <usize>n * PAIR_STRIDE);
  v128.store(one, f64x2.splat(1.0));
  laneMul(tableEntry(0), rr, one, m, n);
  laneMul(tableEntry(1), base, rr, m, n);
  for (let i = 2; i < TABLE_ENTRIES; i++) {
    laneMul(tableEntry(i), tableEntry(i - 1), tableEntry(1), m, n);
  }
  const acc = slot(Slot.ACC);
  const window = slot(Slot.WINDOW);
  const windows = (expBits + WINDOW_BITS - 1) / WINDOW_BITS;
  let pos = (windows - 1) * WINDOW_BITS;
  selectPair(acc, windowAt(expP, expLimbs, pos), windowAt(expQ, expLimbs, pos), n);
  while (pos > 0) {
    pos -= WINDOW_BITS;
    for (let s = 0; s < WINDOW_BITS; s++) laneSquare(acc, acc, m, n);
    selectPair(window, windowAt(expP, expLimbs, pos), windowAt(expQ, expLimbs, pos), n);
    laneMul(acc, acc, window, m, n);
  }
  laneMul(r, acc, one, m, n);
}
