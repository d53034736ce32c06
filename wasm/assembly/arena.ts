// One linear-memory arena, laid out at fixed offsets after the static data:
//   KEY     prepared (or raw) key block written by the caller      32 KiB
//   IO      operation input, overwritten with the output            1 KiB
//   SCRATCH kernel temporaries: window table, CRT halves, products  rest
// Every operation zeroes SCRATCH before returning; the caller zeroes KEY and IO.

export const KEY_CAPACITY: usize = 32768;
export const IO_CAPACITY: usize = 1024;
/**
 * One temporary: a 2n-limb value of the largest half (2*74 u64), or up to 96 paired float limbs (16
 * bytes each) plus padding: the baseline lanes' 22-bit limbs of a half, or the FMA lanes' 52-bit
 * limbs of a full 4096-bit modulus (80 + 2, public exponent on the lanes).
 */
export const SLOT_BYTES: usize = 208 << 3;
export const TABLE_ENTRIES: i32 = 32;
const SLOT_COUNT: usize = 16;

export const ARENA_BASE: usize = (__heap_base + 63) & ~(<usize>63);
export const KEY_BASE: usize = ARENA_BASE;
export const IO_BASE: usize = KEY_BASE + KEY_CAPACITY;
export const SCRATCH_BASE: usize = IO_BASE + IO_CAPACITY;
export const TABLE_BASE: usize = SCRATCH_BASE;
const SLOTS_BASE: usize = TABLE_BASE + <usize>TABLE_ENTRIES * SLOT_BYTES;
/** Paired limbs the squaring reads and writes past the 2n-limb square (see pair-square.ts). */
export const WIDE_PADDING: i32 = 8;
/** The unreduced 2n-limb square of the largest half (2*96 paired float limbs plus padding). */
const WIDE_BYTES: usize = <usize>(2 * 96 + WIDE_PADDING) * 16;
const WIDE_BASE: usize = SLOTS_BASE + SLOT_COUNT * SLOT_BYTES;
const MASKS_BASE: usize = WIDE_BASE + WIDE_BYTES;
export const SCRATCH_END: usize = MASKS_BASE + <usize>TABLE_ENTRIES * 16;

/** One v128 selection mask per window-table entry (secret-derived, so inside SCRATCH). */
// @ts-ignore: decorator
@inline export function maskArea(): usize {
  return MASKS_BASE;
}

/** Scratch for the double-width square of the paired squaring kernel. */
// @ts-ignore: decorator
@inline export function wideArea(): usize {
  return WIDE_BASE;
}

/** The i-th temporary; callers agree on distinct indices (see Slot). */
// @ts-ignore: decorator
@inline export function slot(i: i32): usize {
  return SLOTS_BASE + <usize>i * SLOT_BYTES;
}

export function tableEntry(i: i32): usize {
  return TABLE_BASE + <usize>i * SLOT_BYTES;
}

export function zeroScratch(): void {
  memory.fill(SCRATCH_BASE, 0, SCRATCH_END - SCRATCH_BASE);
}

/** Temporaries by role, so no two live values share a slot. */
export namespace Slot {
  export const Q: i32 = 0; // quotient digits (integer kernel) or the row accumulator (paired kernel)
  export const ONE: i32 = 1;
  export const ACC: i32 = 2;
  export const WINDOW: i32 = 3;
  export const BASE: i32 = 4;
  export const M1: i32 = 5;
  export const M2: i32 = 6;
  export const H: i32 = 7;
  export const WIDE: i32 = 8; // 2n limbs: the recombined CRT result
  export const INPUT: i32 = 9; // 2n limbs: the full-size input
  export const RESULT: i32 = 10; // public-exponent result (public op, fault check)
  export const CHECK: i32 = 11;
  export const CHECK_BASE: i32 = 12;
  export const PAIR_BASE: i32 = 13;
  export const PAIR_RESULT: i32 = 14;
}
