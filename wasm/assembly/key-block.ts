// Prepared RSA key blocks (u64 words in the KEY area of the arena): limbs and per-key
// Montgomery constants computed once, so each operation starts from them.
//   public block : bits, nN, eBits, m0n | n[nN] e[nN] rrN[nN] (| lane section for n in both lanes, when
//                  PUBLIC_ON_LANES: the FMA module runs public exponents on its lanes too)
//   private block: public block | nh, m0p, m0q, nL | p q dp dq qi rrp rrq  (each nh limbs)
//                  | lane section (lanes.ts): the paired kernels' modulus (p in lane 0, q in lane 1) and
//                    R^2 modulo it, as zero-padded paired floats of nL limbs, after its Montgomery constant.
// The baseline kernels work modulo mu*p with mu = -p^-1 mod 2^22, which is -1 mod 2^22, so their
// quotient digits need no multiplication (pair.ts); results are reduced mod p at the end (rsa.ts).
// R = 2^(22*nL) still exceeds 4*mu*p (< 2^(h+24) for h-bit p) for every supported size: 8, 24 and 40 spare bits.
// The FMA kernels work modulo p itself with R = 2^(52*nL) > 4p.
// A block is only valid for the module that prepared it (its size and lane section differ).
// Raw key input (big-endian bytes, k = bits/8, h = k/2): u64 bits | n[k] e[k] (| p q dp dq qi [h each]).
import { limbsFor, bytesToLimbs, bitLengthPublic } from "./limbs";
import { montgomeryInverse, montgomeryRR, powerOfTwoMod } from "./montgomery";
import { toPairLane } from "./repack";
import { LANE_LIMB_BITS, PUBLIC_ON_LANES, laneLimbsFor, laneSectionBytes, laneModulus, laneRR, laneModulusLimbs, laneInverse } from "./lanes";
import { slot, Slot, zeroScratch } from "./arena";
import { Status } from "./status";

export const HEADER_WORDS: i32 = 4;

export function supportedBits(bits: i32): bool {
  return bits == 2048 || bits == 3072 || bits == 4096;
}

export function publicBlockBytes(bits: i32): i32 {
  if (!supportedBits(bits)) return 0;
  return ((HEADER_WORDS + 3 * limbsFor(bits)) << 3) + (PUBLIC_ON_LANES ? laneSectionBytes(bits) : 0);
}

/** The public block's lane section (present when PUBLIC_ON_LANES). */
export function publicLaneSection(key: usize, nN: i32): usize {
  return limbsAt(key, HEADER_WORDS + 3 * nN);
}

export function privateBlockBytes(bits: i32): i32 {
  if (!supportedBits(bits)) return 0;
  return publicBlockBytes(bits) + ((HEADER_WORDS + 7 * limbsFor(bits / 2)) << 3) + laneSectionBytes(bits / 2);
}

// @ts-ignore: decorator
@inline export function word(block: usize, i: i32): u64 {
  return load<u64>(block + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function limbsAt(block: usize, wordIndex: i32): usize {
  return block + (<usize>wordIndex << 3);
}

/** A lane section (lanes.ts) for modulus mod0 in lane 0 and mod1 in lane 1, each `count` 28-bit limbs. */
function writeLaneSection(section: usize, nL: i32, mod0: usize, mod1: usize, count: i32): void {
  v128.store(section, f64x2.replace_lane(f64x2.splat(laneInverse(mod0)), 1, laneInverse(mod1)));
  toPairLane(laneModulus(section), 0, nL, mod0, count, LANE_LIMB_BITS);
  toPairLane(laneModulus(section), 1, nL, mod1, count, LANE_LIMB_BITS);
  const rr = slot(Slot.BASE);
  const exponent = 2 * nL * <i32>LANE_LIMB_BITS;
  powerOfTwoMod(rr, mod0, count, exponent);
  toPairLane(laneRR(section, nL), 0, nL, rr, count, LANE_LIMB_BITS);
  if (mod1 != mod0) powerOfTwoMod(rr, mod1, count, exponent);
  toPairLane(laneRR(section, nL), 1, nL, rr, count, LANE_LIMB_BITS);
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
  if (PUBLIC_ON_LANES) writeLaneSection(publicLaneSection(out, nN), laneLimbsFor(bits), n, n, nN);
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
    const nL = laneLimbsFor(bits / 2);
    store<u64>(priv + 24, <u64>nL);
    const modP = slot(Slot.ONE);
    const modQ = slot(Slot.ACC);
    laneModulusLimbs(modP, p, nh);
    laneModulusLimbs(modQ, q, nh);
    writeLaneSection(limbsAt(priv, HEADER_WORDS + 7 * nh), nL, modP, modQ, nh + 1);
  }
  zeroScratch();
  return status;
}
