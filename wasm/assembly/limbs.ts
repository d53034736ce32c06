// Fixed-size little-endian limb vectors: LIMB_BITS-bit limbs stored one per u64,
// so a 28x28-bit product (56 bits) can be summed up to 256 times in a u64 without
// carry handling (the "lazy" accumulation the Montgomery kernels rely on).
// Limb counts are public; no function here branches on or indexes by limb values.

export const LIMB_BITS: u32 = 28;
export const LIMB_MASK: u64 = (1 << LIMB_BITS) - 1;

/** Limbs needed so that R = 2^(28*limbs) > 4m for an m of `bits` bits (Montgomery without per-step subtraction). */
export function limbsFor(bits: i32): i32 {
  return (bits + 2 + <i32>LIMB_BITS - 1) / <i32>LIMB_BITS;
}

export function zeroLimbs(dst: usize, n: i32): void {
  memory.fill(dst, 0, <usize>n << 3);
}

export function copyLimbs(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 3);
}

/** Big-endian bytes -> n limbs; the byte string must fit (8*len <= 28*n). */
export function bytesToLimbs(dst: usize, n: i32, src: usize, len: i32): void {
  zeroLimbs(dst, n);
  let acc: u64 = 0;
  let accBits: u32 = 0;
  let j = 0;
  for (let i = len - 1; i >= 0; i--) {
    acc |= (<u64>load<u8>(src + <usize>i)) << accBits;
    accBits += 8;
    if (accBits >= LIMB_BITS) {
      store<u64>(dst + (<usize>j << 3), acc & LIMB_MASK);
      j++;
      acc >>= LIMB_BITS;
      accBits -= LIMB_BITS;
    }
  }
  if (j < n) store<u64>(dst + (<usize>j << 3), acc);
}

/** Normalized limbs -> exactly len big-endian bytes (higher bits must be zero). */
export function limbsToBytes(dst: usize, len: i32, src: usize, n: i32): void {
  let acc: u64 = 0;
  let accBits: u32 = 0;
  let j = 0;
  for (let i = len - 1; i >= 0; i--) {
    if (accBits < 8) {
      const limb: u64 = j < n ? load<u64>(src + (<usize>j << 3)) : 0;
      acc |= limb << accBits;
      accBits += LIMB_BITS;
      j++;
    }
    store<u8>(dst + <usize>i, <u8>(acc & 0xff));
    acc >>= 8;
    accBits -= 8;
  }
}

/** All-ones when a == b, else zero, without a branch. */
// @ts-ignore: decorator
@inline export function maskIfEqual(a: u32, b: u32): u64 {
  const x: u64 = <u64>(a ^ b);
  return 0 - ((x - 1) >> 63);
}

/** r (n+1 limbs) = a (n normalized limbs) * s for a public or secret s < 2^32. */
export function mulSmall(r: usize, a: usize, n: i32, s: u64): void {
  let carry: u64 = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const t = load<u64>(a + off) * s + carry;
    store<u64>(r + off, t & LIMB_MASK);
    carry = t >> LIMB_BITS;
  }
  store<u64>(r + (<usize>n << 3), carry);
}

/** r = r >= m ? r - m : r, by masks (r, m normalized, n limbs). */
export function condSubtract(r: usize, m: usize, n: i32): void {
  let borrow: i64 = 0;
  // First pass only learns whether r < m (the final borrow); the second applies the choice.
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const t: i64 = <i64>load<u64>(r + off) - <i64>load<u64>(m + off) - borrow;
    borrow = (t >> 63) & 1;
  }
  const keep: u64 = 0 - <u64>borrow;
  borrow = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const rj = load<u64>(r + off);
    const t: i64 = <i64>rj - <i64>load<u64>(m + off) - borrow;
    borrow = (t >> 63) & 1;
    store<u64>(r + off, (rj & keep) | (<u64>t & LIMB_MASK & ~keep));
  }
}

/** r = (a - b) mod m for normalized a, b < m: subtract, then add m back under the borrow mask. */
export function modSubtract(r: usize, a: usize, b: usize, m: usize, n: i32): void {
  let borrow: i64 = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const t: i64 = <i64>load<u64>(a + off) - <i64>load<u64>(b + off) - borrow;
    borrow = (t >> 63) & 1;
    store<u64>(r + off, <u64>t & LIMB_MASK);
  }
  const addBack: u64 = 0 - <u64>borrow;
  let carry: u64 = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const t: u64 = load<u64>(r + off) + (load<u64>(m + off) & addBack) + carry;
    store<u64>(r + off, t & LIMB_MASK);
    carry = t >> LIMB_BITS;
  }
}

/** Variable-time comparison, for public values only: a < b. */
export function lessThanPublic(a: usize, b: usize, n: i32): bool {
  for (let j = n - 1; j >= 0; j--) {
    const off = <usize>j << 3;
    const x = load<u64>(a + off);
    const y = load<u64>(b + off);
    if (x != y) return x < y;
  }
  return false;
}

/** Constant-time a < b of normalized limb vectors (the final borrow of a - b). */
export function lessThan(a: usize, b: usize, n: i32): bool {
  let borrow: i64 = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    const t: i64 = <i64>load<u64>(a + off) - <i64>load<u64>(b + off) - borrow;
    borrow = (t >> 63) & 1;
  }
  return borrow != 0;
}

/** Constant-time equality of two normalized limb vectors. */
export function equalLimbs(a: usize, b: usize, n: i32): bool {
  let diff: u64 = 0;
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 3;
    diff |= load<u64>(a + off) ^ load<u64>(b + off);
  }
  return diff == 0;
}

/** Index of the highest set bit + 1, for public values (the public exponent). */
export function bitLengthPublic(a: usize, n: i32): i32 {
  for (let j = n - 1; j >= 0; j--) {
    const limb = load<u64>(a + (<usize>j << 3));
    if (limb != 0) return j * <i32>LIMB_BITS + 64 - <i32>clz(limb);
  }
  return 0;
}
