// Prepared RSA key blocks (u64 words in the KEY area of the arena): limbs and per-key
// Montgomery constants computed once, so each operation starts from them.
//   public block : bits, nN, eBits, m0n | n[nN] e[nN] rrN[nN]
//   private block: public block | nh, m0p, m0q, n22 | p q dp dq qi rrp rrq  (each nh limbs)
//                  | pq[n22+2 pairs] rr22[n22+2 pairs]  (the Montgomery-friendly multiples mu_p*p and mu_q*q, and
//                    2^(44*n22) modulo each, as zero-padded paired floats)
// The paired kernels work modulo mu*p with mu = -p^-1 mod 2^22, which is -1 mod 2^22, so their
// quotient digits need no multiplication (pair.ts); results are reduced mod p at the end (rsa.ts).
// R = 2^(22*n22) still exceeds 4*mu*p (< 2^(h+24) for h-bit p) for every supported size: 8, 24 and 40 spare bits.
// Raw key input (big-endian bytes, k = bits/8, h = k/2): u64 bits | n[k] e[k] (| p q dp dq qi [h each]).
import { limbsFor, bytesToLimbs, bitLengthPublic, mulSmall } from "./limbs";
import { montgomeryInverse, montgomeryRR, powerOfTwoMod } from "./montgomery";
import { PAIR_LIMB_BITS, PAIR_STRIDE, PAIR_PADDING, pairLimbsFor, toPairLane } from "./repack";
import { slot, Slot, zeroScratch } from "./arena";
import { Status } from "./status";

export const HEADER_WORDS: i32 = 4;

export function supportedBits(bits: i32): bool {
  return bits == 2048 || bits == 3072 || bits == 4096;
}

export function publicBlockBytes(bits: i32): i32 {
  if (!supportedBits(bits)) return 0;
  return (HEADER_WORDS + 3 * limbsFor(bits)) << 3;
}

export function privateBlockBytes(bits: i32): i32 {
  if (!supportedBits(bits)) return 0;
  return publicBlockBytes(bits) + ((HEADER_WORDS + 7 * limbsFor(bits / 2)) << 3) + 2 * (pairLimbsFor(bits / 2) + PAIR_PADDING) * <i32>PAIR_STRIDE;
}

// @ts-ignore: decorator
@inline export function word(block: usize, i: i32): u64 {
  return load<u64>(block + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function limbsAt(block: usize, wordIndex: i32): usize {
  return block + (<usize>wordIndex << 3);
}

function preparePublicInto(out: usize, raw: usize, bits: i32): i32 {
  const k = bits / 8;
  const nN = limbsFor(bits);
  const n = limbsAt(out, HEADER_WORDS);
  const e = n + (<usize>nN << 3);
  const rr = e + (<usize>nN << 3);
  bytesToLimbs(n, nN, raw + 8, k);
  bytesToLimbs(e, nN, raw + 8 + <usize>k, k);
  if ((load<u64>(n) & 1) == 0) return Status.EVEN_MODULUS;
  montgomeryRR(rr, n, nN);
  store<u64>(out, <u64>bits);
  store<u64>(out + 8, <u64>nN);
  store<u64>(out + 16, <u64>bitLengthPublic(e, nN));
  store<u64>(out + 24, montgomeryInverse(n));
  return Status.OK;
}

export function preparePublic(raw: usize, rawLen: i32, out: usize, outLen: i32): i32 {
  const bits = <i32>load<u64>(raw);
  if (!supportedBits(bits)) return Status.UNSUPPORTED_SIZE;
  if (rawLen != 8 + bits / 4 || outLen != publicBlockBytes(bits)) return Status.BAD_LENGTH;
  const status = preparePublicInto(out, raw, bits);
  zeroScratch();
  return status;
}

export function preparePrivate(raw: usize, rawLen: i32, out: usize, outLen: i32): i32 {
  const bits = <i32>load<u64>(raw);
  if (!supportedBits(bits)) return Status.UNSUPPORTED_SIZE;
  const k = bits / 8;
  const h = k / 2;
  if (rawLen != 8 + 2 * k + 5 * h || outLen != privateBlockBytes(bits)) return Status.BAD_LENGTH;
  let status = preparePublicInto(out, raw, bits);
  const nh = limbsFor(bits / 2);
  const priv = out + <usize>publicBlockBytes(bits);
  const halves = raw + 8 + <usize>(2 * k);
  for (let i = 0; i < 5; i++) {
    bytesToLimbs(limbsAt(priv, HEADER_WORDS + i * nh), nh, halves + <usize>(i * h), h);
  }
  const p = limbsAt(priv, HEADER_WORDS);
  const q = limbsAt(priv, HEADER_WORDS + nh);
  if ((load<u64>(p) & 1) == 0 || (load<u64>(q) & 1) == 0) {
    status = Status.EVEN_MODULUS;
  } else if (status == Status.OK) {
    montgomeryRR(limbsAt(priv, HEADER_WORDS + 5 * nh), p, nh);
    montgomeryRR(limbsAt(priv, HEADER_WORDS + 6 * nh), q, nh);
    store<u64>(priv, <u64>nh);
    store<u64>(priv + 8, montgomeryInverse(p));
    store<u64>(priv + 16, montgomeryInverse(q));
    const n22 = pairLimbsFor(bits / 2);
    store<u64>(priv + 24, <u64>n22);
    const pairs = limbsAt(priv, HEADER_WORDS + 7 * nh);
    const rrPairs = pairs + <usize>(n22 + PAIR_PADDING) * PAIR_STRIDE;
    const pairMask: u64 = (1 << PAIR_LIMB_BITS) - 1;
    const friendlyP = slot(Slot.ONE);
    const friendlyQ = slot(Slot.ACC);
    mulSmall(friendlyP, p, nh, montgomeryInverse(p) & pairMask);
    mulSmall(friendlyQ, q, nh, montgomeryInverse(q) & pairMask);
    toPairLane(pairs, 0, n22, friendlyP, nh + 1);
    toPairLane(pairs, 1, n22, friendlyQ, nh + 1);
    const rr22 = slot(Slot.BASE);
    const exponent = 2 * n22 * <i32>PAIR_LIMB_BITS;
    powerOfTwoMod(rr22, friendlyP, nh + 1, exponent);
    toPairLane(rrPairs, 0, n22, rr22, nh + 1);
    powerOfTwoMod(rr22, friendlyQ, nh + 1, exponent);
    toPairLane(rrPairs, 1, n22, rr22, nh + 1);
  }
  zeroScratch();
  return status;
}
