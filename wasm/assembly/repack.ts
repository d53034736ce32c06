// Conversion between the 28-bit integer limbs (limbs.ts) and the 22-bit float limbs
// of the paired CRT kernels (pair.ts). Bit positions are public; values only flow as data.
import { LIMB_BITS } from "./limbs";

export const PAIR_LIMB_BITS: u32 = 22;
export const PAIR_STRIDE: usize = 16;
/** Zero pairs after every paired vector: the two-row Montgomery pass reads two limbs past the top. */
export const PAIR_PADDING: i32 = 2;

/** Float limbs for a `bits`-bit modulus with R = 2^(22n) > 4m, rounded up to a multiple of 4 (the unroll factor). */
export function pairLimbsFor(bits: i32): i32 {
  const limbs = (bits + 2 + <i32>PAIR_LIMB_BITS - 1) / <i32>PAIR_LIMB_BITS;
  return (limbs + 3) & ~3;
}

/** Writes lane `lane` (0 or 1) of a paired vector from n28 normalized 28-bit limbs. */
export function toPairLane(dst: usize, lane: i32, n22: i32, src: usize, n28: i32): void {
  let acc: u64 = 0;
  let accBits: u32 = 0;
  let j = 0;
  const mask: u64 = (1 << PAIR_LIMB_BITS) - 1;
  for (let i = 0; i < n22; i++) {
    if (accBits < PAIR_LIMB_BITS) {
      const limb: u64 = j < n28 ? load<u64>(src + (<usize>j << 3)) : 0;
      acc |= limb << accBits;
      accBits += LIMB_BITS;
      j++;
    }
    store<f64>(dst + <usize>i * PAIR_STRIDE + (<usize>lane << 3), <f64>(acc & mask));
    acc >>= PAIR_LIMB_BITS;
    accBits -= PAIR_LIMB_BITS;
  }
}

/** Reads lane `lane` of a normalized paired vector into n28 28-bit limbs. */
export function fromPairLane(dst: usize, n28: i32, src: usize, lane: i32, n22: i32): void {
  let acc: u64 = 0;
  let accBits: u32 = 0;
  let i = 0;
  const mask: u64 = (1 << LIMB_BITS) - 1;
  for (let j = 0; j < n28; j++) {
    while (accBits < LIMB_BITS && i < n22) {
      const limb = <u64>load<f64>(src + <usize>i * PAIR_STRIDE + (<usize>lane << 3));
      acc |= limb << accBits;
      accBits += PAIR_LIMB_BITS;
      i++;
    }
    store<u64>(dst + (<usize>j << 3), acc & mask);
    acc >>= LIMB_BITS;
    accBits = accBits > LIMB_BITS ? accBits - LIMB_BITS : 0;
  }
}
