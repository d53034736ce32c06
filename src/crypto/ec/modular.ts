/**
 * Arithmetic modulo a prime (the curve's field prime p or its order n) in
 * plain bigints. None of it is constant time: JavaScript bigint operations
 * take time that depends on their operands' values (lengths, quotient sizes
 * in the Euclidean algorithm), and nothing here hides that. Callers say what
 * they pass in and why that is acceptable (public values, or blinded ones).
 */

export function mod(value: bigint, m: bigint): bigint {
  const r = value % m;
  return r < 0n ? r + m : r;
}

/** Lehmer steps work on the leading bits of the two remainders as JavaScript numbers: exact below 2⁵³. */
const LEADING_BITS = 48;
/** Below this the remainders are short enough for plain Euclidean steps to be as quick. */
const LEHMER_THRESHOLD = 1n << 64n;

/**
 * value⁻¹ mod m (m prime, value ≢ 0) by the extended Euclidean algorithm with Lehmer's speed-up (Knuth, TAOCP
 * vol. 2, 4.5.2, Algorithm L): the quotients are found from the remainders' leading 48 bits as numbers, and
 * the bigint remainders and cofactor are updated once per run of quotients (about a dozen runs for 256 bits)
 * instead of once per quotient. About 2.5 times quicker than plain Euclid here. The answer is checked
 * (value·inverse ≡ 1) before it is returned.
 */
export function modInverse(value: bigint, m: bigint): bigint {
  const reduced = mod(value, m);
  // Invariant: a ≡ ua·value and b ≡ ub·value (mod m); a > b ≥ 0.
  let a = m;
  let b = reduced;
  let ua = 0n;
  let ub = 1n;
  while (b >= LEHMER_THRESHOLD) {
    // Four bits per hex digit: an upper bound on a's length is enough, and quicker than the exact one.
    const shift = BigInt(Math.max(0, a.toString(16).length * 4 - LEADING_BITS));
    let ah = Number(a >> shift);
    let bh = Number(b >> shift);
    // [A B; C D] maps (a, b) to the remainders after the quotients found so far; a quotient is taken only when
    // both bounds agree on it, so it is the quotient of the full-size remainders too.
    // (Plain temporaries, not destructuring: this loop is the hot one.)
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    while (bh + C !== 0 && bh + D !== 0) {
      const q = Math.floor((ah + A) / (bh + C));
      if (q !== Math.floor((ah + B) / (bh + D))) break;
      const nextC = A - q * C;
      A = C;
      C = nextC;
      const nextD = B - q * D;
      B = D;
      D = nextD;
      const nextBh = ah - q * bh;
      ah = bh;
      bh = nextBh;
    }
    if (B === 0) {
      // The leading bits decided nothing: one full-size step.
      const q = a / b;
      [a, b] = [b, a - q * b];
      [ua, ub] = [ub, ua - q * ub];
    } else {
      const [bigA, bigB, bigC, bigD] = [BigInt(A), BigInt(B), BigInt(C), BigInt(D)];
      [a, b] = [bigA * a + bigB * b, bigC * a + bigD * b];
      [ua, ub] = [bigA * ua + bigB * ub, bigC * ua + bigD * ub];
    }
  }
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [ua, ub] = [ub, ua - q * ub];
  }
  const inverse = mod(ua, m);
  if (a !== 1n || (inverse * reduced) % m !== 1n) throw new RangeError("value is not invertible");
  return inverse;
}

/**
 * Every value's inverse mod m with one inversion (Montgomery's trick): the
 * running products a₁, a₁a₂, …, a₁…aₖ, one inverse of the last, then a walk
 * back that peels one factor off per step (3(k−1) multiplications in all).
 * An inversion costs about a hundred multiplications here, so a batch of k
 * pays for one instead of k. Every value must be invertible (≢ 0 mod m);
 * the one inversion then is too, m being prime.
 */
export function modInverseAll(values: readonly bigint[], m: bigint): bigint[] {
  const prefix: bigint[] = new Array<bigint>(values.length);
  let running = 1n;
  for (const [i, value] of values.entries()) {
    running = (running * value) % m;
    prefix[i] = running;
  }
  if (values.length === 0) return [];
  let inverse = modInverse(running, m);
  const inverses: bigint[] = new Array<bigint>(values.length);
  for (let i = values.length - 1; i > 0; i--) {
    // inverse = (a₁…aᵢ)⁻¹, so (a₁…aᵢ₋₁)·inverse = aᵢ⁻¹ and aᵢ·inverse = (a₁…aᵢ₋₁)⁻¹.
    inverses[i] = ((prefix[i - 1] as bigint) * inverse) % m;
    inverse = ((values[i] as bigint) * inverse) % m;
  }
  inverses[0] = inverse;
  return inverses;
}
