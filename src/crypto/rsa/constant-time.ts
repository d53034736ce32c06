/**
 * Branch-free helpers for unpadding secret data (after the private
 * operation). They work on 32-bit integers with masks so that no secret
 * value steers a branch or an index. JavaScript gives no guarantee that the
 * JIT keeps them branch-free; they remove the obvious leaks (early exits,
 * data-dependent indices) and are what is possible without native code.
 */

/** 0xffffffff when a === 0, else 0. */
export function isZeroMask(a: number): number {
  return ~((a | -a) >> 31) | 0;
}

/** 0xffffffff when a === b, else 0. */
export function equalMask(a: number, b: number): number {
  return isZeroMask((a ^ b) | 0);
}

/** 0xffffffff when a < b, for 0 <= a, b < 2^31, else 0. */
export function lessThanMask(a: number, b: number): number {
  return ((a - b) >> 31) | 0;
}

/** `a` where mask is all ones, `b` where it is zero. */
export function select(mask: number, a: number, b: number): number {
  return (a & mask) | (b & ~mask);
}
