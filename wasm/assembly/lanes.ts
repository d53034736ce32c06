// The paired-lane kernel this module is built with: both CRT exponentiations run in f64x2 lanes,
// either on 22-bit limbs with plain multiply and add (pair.ts, pair-square.ts: the baseline
// module) or on 52-bit limbs split exactly by fused multiply-add (fma-split.ts, fma-mul.ts,
// fma-square.ts: the FMA module, built with --enable relaxed-simd). ASC_FEATURE_RELAXED_SIMD is a
// compile-time constant, so each module holds only its own kernel; the baseline module has no
// relaxed-SIMD instruction and compiles on any engine with SIMD.
// Lane section of a key block (key-block.ts: p and q of a private block; n in both lanes of a
// public block when PUBLIC_ON_LANES):
//   inverse pair (FMA: -m^-1 mod 2^52; baseline: zero) | m [n + PAIR_PADDING] | R^2 mod m [n + PAIR_PADDING]
import { PAIR_LIMB_BITS, PAIR_STRIDE, PAIR_PADDING, pairLimbsFor } from "./repack";
import { mulSmall, copyLimbs } from "./limbs";
import { montgomeryInverse, negativeInverse64 } from "./montgomery";
import { montMulPair } from "./pair";
import { montSquarePair } from "./pair-square";
import { montMulFma } from "./fma-mul";
import { FMA_LIMB_BITS } from "./fma-split";
import { montSquareFma } from "./fma-square";

export const LANE_LIMB_BITS: u32 = ASC_FEATURE_RELAXED_SIMD ? FMA_LIMB_BITS : PAIR_LIMB_BITS;

/**
 * Whether public exponents (the public operation, the fault check of the private one) also run
 * on the lanes, modulo n in both: with FMA a lane squaring of n beats the 28-bit integer kernel
 * (montgomery.ts) about fourfold; the baseline lanes need a Montgomery-friendly modulus, so the
 * baseline module keeps the integer kernel.
 */
export const PUBLIC_ON_LANES: bool = ASC_FEATURE_RELAXED_SIMD;

export function laneLimbsFor(bits: i32): i32 {
  return pairLimbsFor(bits, LANE_LIMB_BITS);
}

/** Bytes of a lane section for `bits`-bit moduli. */
export function laneSectionBytes(bits: i32): i32 {
  return (1 + 2 * (laneLimbsFor(bits) + PAIR_PADDING)) * <i32>PAIR_STRIDE;
}

/** The lanes' modulus pair vector inside a lane section (its inverse pair sits just before it). */
// @ts-ignore: decorator
@inline export function laneModulus(section: usize): usize {
  return section + PAIR_STRIDE;
}

/** R^2 mod m per lane, inside a lane section of n-limb moduli. */
// @ts-ignore: decorator
@inline export function laneRR(section: usize, n: i32): usize {
  return section + PAIR_STRIDE + <usize>(n + PAIR_PADDING) * PAIR_STRIDE;
}

/**
 * The modulus the lanes work with, as nh+1 28-bit limbs: the FMA kernel uses m itself; the
 * baseline uses the Montgomery-friendly multiple mu*m with mu = -m^-1 mod 2^22 (pair.ts).
 */
export function laneModulusLimbs(dst: usize, m: usize, nh: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    copyLimbs(dst, m, nh);
    store<u64>(dst + (<usize>nh << 3), 0);
  } else {
    mulSmall(dst, m, nh, montgomeryInverse(m) & ((1 << PAIR_LIMB_BITS) - 1));
  }
}

/** The per-lane Montgomery constant stored before the lane modulus: -m^-1 mod 2^52 (FMA), 0 (baseline). */
export function laneInverse(m: usize): f64 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const low: u64 = load<u64>(m) | (load<u64>(m, 8) << 28) | (load<u64>(m, 16) << 56);
    return <f64>(negativeInverse64(low) & ((<u64>1 << FMA_LIMB_BITS) - 1));
  }
  return 0;
}

export function laneMul(r: usize, a: usize, b: usize, m: usize, n: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    montMulFma(r, a, b, m, n);
  } else {
    montMulPair(r, a, b, m, n);
  }
}

export function laneSquare(r: usize, a: usize, m: usize, n: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    montSquareFma(r, a, m, n);
  } else {
    montSquarePair(r, a, m, n);
  }
}

/**
 * 1 when the lane arithmetic of this module holds on this engine. For the FMA module that is a
 * fused relaxed_madd: called with a = 2^52 + 1 and c = -(2^104 + 2^53), a*a + c is 1 exactly when
 * fused, 0 when the product is rounded first (to 2^104 + 2^53). The operands come from the caller
 * so the optimizer cannot fold the answer in. The baseline module relies on no relaxed behaviour.
 */
export function lanesProbe(a: f64, c: f64): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const r = f64x2.relaxed_madd(f64x2.splat(a), f64x2.splat(a), f64x2.splat(c));
    return <i32>(f64x2.extract_lane(r, 0) == 1.0) & <i32>(f64x2.extract_lane(r, 1) == 1.0);
  }
  return 1;
}
