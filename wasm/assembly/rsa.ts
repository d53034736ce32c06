// RSA operations on prepared key blocks (key-block.ts). Each returns a status and leaves
// the scratch area zeroed; io holds k input bytes, replaced by k output bytes on success.
import {
  bytesToLimbs,
  limbsToBytes,
  lessThanPublic,
  lessThan,
  equalLimbs,
  condSubtract,
  modSubtract,
  copyLimbs,
  LIMB_BITS,
  LIMB_MASK,
} from "./limbs";
import { montMul, montReduceWide, mulWide } from "./montgomery";
import { modExpSecretPair, modExpPublic, modExpPublicLanes } from "./modexp";
import { toPairLane, fromPairLane } from "./repack";
import { LANE_LIMB_BITS, PUBLIC_ON_LANES, laneLimbsFor, laneModulus, laneRR } from "./lanes";
import { slot, Slot, zeroScratch } from "./arena";
import { HEADER_WORDS, supportedBits, publicBlockBytes, privateBlockBytes, publicLaneSection, word, limbsAt } from "./key-block";
import { Status } from "./status";

/** r = base^e mod n (base < 2n) with a public block's constants: on the lanes when PUBLIC_ON_LANES. */
function publicPower(r: usize, base: usize, key: usize, bits: i32): void {
  const nN = <i32>word(key, 1);
  const n = limbsAt(key, HEADER_WORDS);
  const e = n + ((<usize>nN) << 3);
  const eBits = <i32>word(key, 2);
  if (PUBLIC_ON_LANES) {
    modExpPublicLanes(r, base, e, eBits, n, nN, publicLaneSection(key, nN), laneLimbsFor(bits));
  } else {
    modExpPublic(r, base, e, eBits, n, word(key, 3), e + ((<usize>nN) << 3), nN);
  }
}

export function rsaPublic(key: usize, keyLen: i32, io: usize, ioLen: i32): i32 {
  const bits = <i32>word(key, 0);
  if (!supportedBits(bits) || keyLen != publicBlockBytes(bits)) return Status.BAD_LENGTH;
  if (ioLen != bits / 8) return Status.BAD_LENGTH;
  const nN = <i32>word(key, 1);
  const n = limbsAt(key, HEADER_WORDS);
  const input = slot(Slot.INPUT);
  bytesToLimbs(input, nN, io, ioLen);
  if (!lessThanPublic(input, n, nN)) {
    zeroScratch();
    return Status.INPUT_NOT_LESS_THAN_MODULUS;
  }
  const result = slot(Slot.RESULT);
  publicPower(result, input, key, bits);
  limbsToBytes(io, ioLen, result, nN);
  zeroScratch();
  return Status.OK;
}

/** s (2nh limbs) = m2 + q*(qInv*(m1 - m2) mod p), for m1 < p and m2 < q. */
function garner(s: usize, m1: usize, m2: usize, p: usize, q: usize, qi: usize, rrp: usize, m0p: u64, nh: i32): void {
  // m2 < q < 2p (p and q have the same length), so one masked subtraction gives m2 mod p.
  const h = slot(Slot.H);
  copyLimbs(h, m2, nh);
  condSubtract(h, p, nh);
  modSubtract(h, m1, h, p, nh);
  montMul(h, h, qi, p, m0p, nh); // qi < 2^(bits/2) <= 2p: a valid Montgomery operand
  montMul(h, h, rrp, p, m0p, nh);
  condSubtract(h, p, nh);
  mulWide(s, h, q, nh);
  let carry: u64 = 0;
  for (let j = 0; j < 2 * nh; j++) {
    const off = (<usize>j) << 3;
    const add: u64 = j < nh ? load<u64>(m2 + off) : 0;
    const t = load<u64>(s + off) + add + carry;
    store<u64>(s + off, t & LIMB_MASK);
    carry = t >> LIMB_BITS;
  }
}

/** Writes c mod m (< 2m, normal form) into one lane of the paired base; c is a 2nh-limb value. */
function reduceIntoLane(pairBase: usize, lane: i32, nL: i32, c: usize, m: usize, rr: usize, m0: u64, nh: i32): void {
  const base = slot(Slot.BASE);
  montReduceWide(base, c, m, m0, nh); // c/R mod m
  montMul(base, base, rr, m, m0, nh); // c mod m
  toPairLane(pairBase, lane, nL, base, nh, LANE_LIMB_BITS);
}

/** r = x mod m (< m) for one lane x < 2*mu*m of the paired result (mu*m is the lanes' modulus; mu = 1 with FMA). */
function reduceFromLane(r: usize, pairResult: usize, lane: i32, nL: i32, m: usize, rr: usize, m0: u64, nh: i32): void {
  const wide = slot(Slot.WIDE);
  fromPairLane(wide, 2 * nh, pairResult, lane, nL, LANE_LIMB_BITS);
  montReduceWide(r, wide, m, m0, nh); // x/R mod m, < 2m
  montMul(r, r, rr, m, m0, nh); // x mod m, < 2m
  condSubtract(r, m, nh);
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
  const nL = <i32>word(priv, 3);
  const section = limbsAt(priv, HEADER_WORDS + 7 * nh);
  const pairBase = slot(Slot.PAIR_BASE);
  reduceIntoLane(pairBase, 0, nL, input, p, rrp, m0p, nh);
  reduceIntoLane(pairBase, 1, nL, input, q, rrq, m0q, nh);
  const pairResult = slot(Slot.PAIR_RESULT);
  modExpSecretPair(pairResult, pairBase, dp, dq, nh, bits / 2, laneModulus(section), laneRR(section, nL), nL);
  const m1 = slot(Slot.M1);
  const m2 = slot(Slot.M2);
  reduceFromLane(m1, pairResult, 0, nL, p, rrp, m0p, nh);
  reduceFromLane(m2, pairResult, 1, nL, q, rrq, m0q, nh);

  const s = slot(Slot.WIDE);
  garner(s, m1, m2, p, q, qi, rrp, m0p, nh);

  const check = slot(Slot.RESULT);
  publicPower(check, s, key, bits);
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
