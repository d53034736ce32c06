// Modular exponentiation. Secret exponents (the CRT halves) use a fixed window: the
// exponent's bits are only ever used as data, each window value selecting a table entry
// through masks while every entry is read, and the sequence of squarings and
// multiplications depends only on the public exponent length (cf. Go
// crypto/internal/fips140/bigmod Nat.Exp). The public exponent may steer branches.
import { LIMB_BITS, maskIfEqual, condSubtract, zeroLimbs, copyLimbs } from "./limbs";
import { montMul } from "./montgomery";
import { slot, Slot, tableEntry, TABLE_ENTRIES } from "./arena";
import { montMulPair } from "./pair";
import { PAIR_STRIDE } from "./repack";

export const WINDOW_BITS: i32 = 5;

/** WINDOW_BITS bits of the exponent starting at bit position `pos` (public). */
function windowAt(exp: usize, expLimbs: i32, pos: i32): u32 {
  const limb = pos / <i32>LIMB_BITS;
  const shift = <u64>(pos % <i32>LIMB_BITS);
  const low: u64 = limb < expLimbs ? load<u64>(exp + (<usize>limb << 3)) : 0;
  const high: u64 = limb + 1 < expLimbs ? load<u64>(exp + (<usize>(limb + 1) << 3)) : 0;
  return <u32>(((low | (high << LIMB_BITS)) >> shift) & ((1 << WINDOW_BITS) - 1));
}

/** r = base^e mod m for a public exponent (left-to-right binary; e's bits may steer branches). */
export function modExpPublic(
  r: usize, base: usize, e: usize, eBits: i32,
  m: usize, m0: u64, rr: usize, n: i32,
): void {
  const one = slot(Slot.ONE);
  zeroLimbs(one, n);
  store<u64>(one, 1);
  const baseMont = slot(Slot.CHECK_BASE);
  montMul(baseMont, base, rr, m, m0, n);
  const acc = slot(Slot.CHECK);
  copyLimbs(acc, baseMont, n);
  for (let bit = eBits - 2; bit >= 0; bit--) {
    montMul(acc, acc, acc, m, m0, n);
    const limb = load<u64>(e + (<usize>(bit / <i32>LIMB_BITS) << 3));
    if (((limb >> <u64>(bit % <i32>LIMB_BITS)) & 1) != 0) montMul(acc, acc, baseMont, m, m0, n);
  }
  montMul(r, acc, one, m, m0, n);
  condSubtract(r, m, n);
}

/** Paired-lane table lookup: lane 0 takes entry indexP, lane 1 entry indexQ; every entry is read. */
function selectPair(r: usize, indexP: u32, indexQ: u32, n: i32): void {
  memory.fill(r, 0, <usize>n * PAIR_STRIDE);
  for (let i = 0; i < TABLE_ENTRIES; i++) {
    const mask = i64x2.replace_lane(i64x2.splat(maskIfEqual(<u32>i, indexP)), 1, maskIfEqual(<u32>i, indexQ));
    const entry = tableEntry(i);
    for (let j = 0; j < n; j++) {
      const off = <usize>j * PAIR_STRIDE;
      v128.store(r + off, v128.or(v128.load(r + off), v128.and(v128.load(entry + off), mask)));
    }
  }
}

/**
 * Both CRT exponentiations at once (lane 0: base^expP mod p, lane 1: base^expQ mod q) on
 * paired 22-bit float limbs; the exponents are 28-bit limb vectors of the same public length.
 * m0 points to -m^-1 mod 2^22 per lane. r is < 2m per lane (the caller converts back and subtracts once).
 */
export function modExpSecretPair(
  r: usize, base: usize, expP: usize, expQ: usize, expLimbs: i32, expBits: i32,
  m: usize, m0: usize, rr: usize, n: i32,
): void {
  const one = slot(Slot.ONE);
  memory.fill(one, 0, <usize>n * PAIR_STRIDE);
  v128.store(one, f64x2.splat(1.0));
  montMulPair(tableEntry(0), rr, one, m, m0, n);
  montMulPair(tableEntry(1), base, rr, m, m0, n);
  for (let i = 2; i < TABLE_ENTRIES; i++) {
    montMulPair(tableEntry(i), tableEntry(i - 1), tableEntry(1), m, m0, n);
  }
  const acc = slot(Slot.ACC);
  const window = slot(Slot.WINDOW);
  const windows = (expBits + WINDOW_BITS - 1) / WINDOW_BITS;
  let pos = (windows - 1) * WINDOW_BITS;
  selectPair(acc, windowAt(expP, expLimbs, pos), windowAt(expQ, expLimbs, pos), n);
  while (pos > 0) {
    pos -= WINDOW_BITS;
    for (let s = 0; s < WINDOW_BITS; s++) montMulPair(acc, acc, acc, m, m0, n);
    selectPair(window, windowAt(expP, expLimbs, pos), windowAt(expQ, expLimbs, pos), n);
    montMulPair(acc, acc, window, m, m0, n);
  }
  montMulPair(r, acc, one, m, m0, n);
}
