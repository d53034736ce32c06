/**
 * Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1
 * (0x11b, FIPS 197 section 4.2), the field Shamir's scheme runs over byte by byte.
 *
 * Multiplication is the shift-and-add loop with masks instead of log/exp tables:
 * a table lookup indexed by a secret byte (a share value or a polynomial
 * coefficient) leaks that byte through the cache, the loop touches no memory
 * that depends on its operands and always runs eight rounds. JavaScript gives
 * no hard constant-time guarantee (the JIT decides the machine code), so this
 * removes the known table leak and nothing more; what remains public is the
 * secret's length, the share count and the x coordinates.
 */

/** a · b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  let product = 0;
  let factor = a & 0xff;
  let multiplier = b & 0xff;
  for (let round = 0; round < 8; round++) {
    // -(bit) is 0 or all ones: add `factor` when the low bit of the multiplier is set, without a branch.
    product ^= -(multiplier & 1) & factor;
    const overflow = -(factor >> 7) & 0x1b;
    factor = ((factor << 1) ^ overflow) & 0xff;
    multiplier >>= 1;
  }
  return product;
}

/** a^-1 = a^254 (the multiplicative group has order 255); 0 maps to 0, which callers never invert. */
export function gfInverse(a: number): number {
  // 254 = 2 + 4 + ... + 128: multiply the seven successive squares, the same steps for every a.
  let result = 1;
  let power = a & 0xff;
  for (let step = 0; step < 7; step++) {
    power = gfMul(power, power);
    result = gfMul(result, power);
  }
  return result;
}
