// Conversion between the 28-bit integer limbs (limbs.ts) and the float limbs of the paired CRT
// kernels (lanes.ts: 22 bits in pair.ts, 52 bits in fma-mul.ts). Bit positions are public;
// values only flow as data.
import { LIMB_BITS, LIMB_MASK } from "./limbs";

export const PAIR_LIMB_BITS: u32 = 22;
export const PAIR_STRIDE: usize = 16;
/** Zero pairs after every paired vector: the Montgomery passes read up to two limbs past the top. */
export const PAIR_PADDING: i32 = 2;

/** Float limbs of `limbBits` bits for a `bits`-bit modulus with R = 2^(limbBits*n) > 4m, rounded up to a multiple of 4 (the unroll factor). */
export function pairLimbsFor(bits: i32, limbBits: u32): i32 {
  const limbs = (bits + 2 + <i32>limbBits - 1) / <i32>limbBits;
  return (limbs + 3) & ~3;
}

/** Bits [pos, pos+width) of n28 normalized 28-bit limbs (width <= 52: three limbs cover it). */
function bitsOfLimbs(src: usize, n28: i32, pos: i32, width: u32): u64 {
  const w = pos / <i32>LIMB_BITS;
  const shift = <u64>(pos % <i32>LIMB_BITS);
  const s0: u64 = w < n28 ? load<u64>(src + (<usize>w << 3)) : 0;
  const s1: u64 = w + 1 < n28 ? load<u64>(src + (<usize>(w + 1) << 3)) : 0;
  const s2: u64 = w + 2 < n28 ? load<u64>(src + (<usize>(w + 2) << 3)) : 0;
  const acc = (s0 >> shift) | (s1 << (<u64>LIMB_BITS - shift)) | (s2 << (2 * <u64>LIMB_BITS - shift));
  return acc & ((<u64>1 << width) - 1);
}

/** Writes lane `lane` (0 or 1) of a paired vector of n limbs of limbBits bits from n28 normalized 28-bit limbs. */
export function toPairLane(dst: usize, lane: i32, n: i32, src: usize, n28: i32, limbBits: u32): void {
  for (let i = 0; i < n; i++) {
    const limb = bitsOfLimbs(src, n28, i * <i32>limbBits, limbBits);
    store<f64>(dst + <usize>i * PAIR_STRIDE + (<usize>lane << 3), <f64>limb);
  }
}

// @ts-ignore: decorator
@inline function laneLimb(src: usize, lane: i32, i: i32, n: i32): u64 {
  return i < n ? <u64>load<f64>(src + <usize>i * PAIR_STRIDE + (<usize>lane << 3)) : 0;
}

/** Reads lane `lane` of a normalized paired vector (n limbs of limbBits bits) into n28 28-bit limbs. */
export function fromPairLane(dst: usize, n28: i32, src: usize, lane: i32, n: i32, limbBits: u32): void {
  for (let j = 0; j < n28; j++) {
    const pos = j * <i32>LIMB_BITS;
    const w = pos / <i32>limbBits;
    const shift = <u64>(pos % <i32>limbBits);
    let acc = (laneLimb(src, lane, w, n) >> shift) | (laneLimb(src, lane, w + 1, n) << (<u64>limbBits - shift));
    // A third limb only when two do not cover 28 bits (22-bit limbs); its shift is then below 64.
    if (2 * <u64>limbBits - shift < 64) acc |= laneLimb(src, lane, w + 2, n) << (2 * <u64>limbBits - shift);
    store<u64>(dst + (<usize>j << 3), acc & LIMB_MASK);
  }
}
