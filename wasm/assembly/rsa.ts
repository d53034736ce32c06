// RSA on prepared key blocks (u64 words in the KEY area of the arena).
//   public block : bits, nN, eBits, m0n | n[nN] e[nN] rrN[nN]
//   private block: public block | nh, m0p, m0q, n22 | p q dp dq qi rrp rrq  (each nh limbs)
//                  | pq[n22+2 pairs] rr22[n22+2 pairs]  (p and q, and 2^(44*n22) mod p, q, as zero-padded paired floats)
// Raw key input (big-endian bytes, k = bits/8, h = k/2): u64 bits | n[k] e[k] (| p q dp dq qi [h each]).
import {
  limbsFor, bytesToLimbs, limbsToBytes, lessThanPublic, lessThan, equalLimbs, bitLengthPublic,
  condSubtract, modSubtract, copyLimbs, LIMB_BITS, LIMB_MASK,
} from "./limbs";
import { montMul, montReduceWide, mulWide, montgomeryInverse, montgomeryRR, powerOfTwoMod } from "./montgomery";
import { modExpSecretPair, modExpPublic } from "./modexp";
import { PAIR_LIMB_BITS, PAIR_STRIDE, PAIR_PADDING, pairLimbsFor, toPairLane, fromPairLane } from "./repack";
import { slot, Slot, zeroScratch } from "./arena";
import { Status } from "./status";

const HEADER_WORDS: i32 = 4;

function supportedBits(bits: i32): bool {
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
@inline function word(block: usize, i: i32): u64 {
  return load<u64>(block + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function limbsAt(block: usize, wordIndex: i32): usize {
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
  if (status != Status.OK) return status;
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
  } else {
    montgomeryRR(limbsAt(priv, HEADER_WORDS + 5 * nh), p, nh);
    montgomeryRR(limbsAt(priv, HEADER_WORDS + 6 * nh), q, nh);
    store<u64>(priv, <u64>nh);
    store<u64>(priv + 8, montgomeryInverse(p));
    store<u64>(priv + 16, montgomeryInverse(q));
    const n22 = pairLimbsFor(bits / 2);
    store<u64>(priv + 24, <u64>n22);
    const pairs = limbsAt(priv, HEADER_WORDS + 7 * nh);
    const rrPairs = pairs + <usize>(n22 + PAIR_PADDING) * PAIR_STRIDE;
    toPairLane(pairs, 0, n22, p, nh);
    toPairLane(pairs, 1, n22, q, nh);
    const rr22 = slot(Slot.BASE);
    const exponent = 2 * n22 * <i32>PAIR_LIMB_BITS;
    powerOfTwoMod(rr22, p, nh, exponent);
    toPairLane(rrPairs, 0, n22, rr22, nh);
    powerOfTwoMod(rr22, q, nh, exponent);
    toPairLane(rrPairs, 1, n22, rr22, nh);
  }
  zeroScratch();
  return status;
}

/** io holds k input bytes; on success they are replaced by k output bytes. */
export function rsaPublic(key: usize, keyLen: i32, io: usize, ioLen: i32): i32 {
  const bits = <i32>word(key, 0);
  if (!supportedBits(bits) || keyLen != publicBlockBytes(bits)) return Status.BAD_LENGTH;
  if (ioLen != bits / 8) return Status.BAD_LENGTH;
  const nN = <i32>word(key, 1);
  const n = limbsAt(key, HEADER_WORDS);
  const e = n + (<usize>nN << 3);
  const rr = e + (<usize>nN << 3);
  const input = slot(Slot.INPUT);
  bytesToLimbs(input, nN, io, ioLen);
  if (!lessThanPublic(input, n, nN)) {
    zeroScratch();
    return Status.INPUT_NOT_LESS_THAN_MODULUS;
  }
  const result = slot(Slot.SIGNED);
  modExpPublic(result, input, e, <i32>word(key, 2), n, word(key, 3), rr, nN);
  limbsToBytes(io, ioLen, result, nN);
  zeroScratch();
  return Status.OK;
}

/** Writes c mod m (< 2m, normal form) into one lane of the paired base; c is a 2nh-limb value. */
function reduceIntoLane(pairBase: usize, lane: i32, n22: i32, c: usize, m: usize, rr: usize, m0: u64, nh: i32): void {
  const base = slot(Slot.BASE);
  montReduceWide(base, c, m, m0, nh); // c/R mod m
  montMul(base, base, rr, m, m0, nh); // c mod m
  toPairLane(pairBase, lane, n22, base, nh);
}

/**
 * s = c^d mod n by CRT with Garner's recombination (RFC 8017 section 5.1.2, step 2.b):
 * m1 = c^dP mod p, m2 = c^dQ mod q, h = qInv*(m1 - m2) mod p, s = m2 + q*h;
 * then s^e mod n must equal c before s leaves the kernel (Boneh-DeMillo-Lipton faults).
 */
export function rsaPrivate(key: usize, keyLen: i32, io: usize, ioLen: i32): i32 {
  const bits = <i32>word(key, 0);
  if (!supportedBits(bits) || keyLen != privateBlockBytes(bits)) return Status.BAD_LENGTH;
  if (ioLen != bits / 8) return Status.BAD_LENGTH;
  const nN = <i32>word(key, 1);
  const n = limbsAt(key, HEADER_WORDS);
  const e = n + (<usize>nN << 3);
  const rrN = e + (<usize>nN << 3);
  const priv = key + <usize>publicBlockBytes(bits);
  const nh = <i32>word(priv, 0);
  const m0p = word(priv, 1);
  const m0q = word(priv, 2);
  const p = limbsAt(priv, HEADER_WORDS);
  const q = limbsAt(priv, HEADER_WORDS + nh);
  const dp = limbsAt(priv, HEADER_WORDS + 2 * nh);
  const dq = limbsAt(priv, HEADER_WORDS + 3 * nh);
  const qi = limbsAt(priv, HEADER_WORDS + 4 * nh);
  const rrp = limbsAt(priv, HEADER_WORDS + 5 * nh);
  const rrq = limbsAt(priv, HEADER_WORDS + 6 * nh);

  const input = slot(Slot.INPUT);
  bytesToLimbs(input, 2 * nh, io, ioLen);
  if (!lessThanPublic(input, n, nN)) {
    zeroScratch();
    return Status.INPUT_NOT_LESS_THAN_MODULUS;
  }
  const n22 = <i32>word(priv, 3);
  const pairs = limbsAt(priv, HEADER_WORDS + 7 * nh);
  const rrPairs = pairs + <usize>(n22 + PAIR_PADDING) * PAIR_STRIDE;
  const pairBase = slot(Slot.PAIR_BASE);
  reduceIntoLane(pairBase, 0, n22, input, p, rrp, m0p, nh);
  reduceIntoLane(pairBase, 1, n22, input, q, rrq, m0q, nh);
  const pairMask: u64 = (1 << PAIR_LIMB_BITS) - 1;
  const m0Pair = slot(Slot.PAIR_M0);
  store<f64>(m0Pair, <f64>(m0p & pairMask));
  store<f64>(m0Pair + 8, <f64>(m0q & pairMask));
  const pairResult = slot(Slot.PAIR_RESULT);
  modExpSecretPair(pairResult, pairBase, dp, dq, nh, bits / 2, pairs, m0Pair, rrPairs, n22);
  const m1 = slot(Slot.M1);
  const m2 = slot(Slot.M2);
  fromPairLane(m1, nh, pairResult, 0, n22);
  condSubtract(m1, p, nh);
  fromPairLane(m2, nh, pairResult, 1, n22);
  condSubtract(m2, q, nh);

  // m2 < q < 2p (p and q have the same length), so one masked subtraction gives m2 mod p.
  const h = slot(Slot.H);
  copyLimbs(h, m2, nh);
  condSubtract(h, p, nh);
  modSubtract(h, m1, h, p, nh);
  montMul(h, h, qi, p, m0p, nh);
  montMul(h, h, rrp, p, m0p, nh);
  condSubtract(h, p, nh);

  const s = slot(Slot.WIDE);
  mulWide(s, h, q, nh);
  let carry: u64 = 0;
  for (let j = 0; j < 2 * nh; j++) {
    const off = <usize>j << 3;
    const add: u64 = j < nh ? load<u64>(m2 + off) : 0;
    const t = load<u64>(s + off) + add + carry;
    store<u64>(s + off, t & LIMB_MASK);
    carry = t >> LIMB_BITS;
  }

  const check = slot(Slot.SIGNED);
  modExpPublic(check, s, e, <i32>word(key, 2), n, word(key, 3), rrN, nN);
  let status = Status.OK;
  // The result may be a plaintext: both tests are constant-time and combined without a short circuit.
  if (<i32>equalLimbs(check, input, nN) & <i32>lessThan(s, n, nN)) {
    limbsToBytes(io, ioLen, s, nN);
  } else {
    memory.fill(io, 0, <usize>ioLen);
    status = Status.CONSISTENCY_CHECK_FAILED;
  }
  zeroScratch();
  return status;
}
