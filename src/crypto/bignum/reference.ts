// The pure-bigint RSA engine: the executable specification the wasm kernels are tested
// against. BigInt arithmetic is not constant-time, so this engine is for differential
// tests, benchmarks and as a last-resort fallback, never the default for secret keys.
import { badParameter } from "../../errors.js";
import { bigIntToBytes, bytesToBigInt } from "../bytes.js";
import { checkInput, checkPrivateShape, checkPublicShape, consistencyCheckFailed, inputNotLessThanModulus } from "./key-shape.js";
import type { RsaEngine, RsaPrivateKeyHandle, RsaPrivateParams, RsaPublicKeyHandle, RsaPublicParams } from "./types.js";

class BigintPublicKey implements RsaPublicKeyHandle {
  readonly engine = "bigint" as const;
  constructor(
    readonly modulusBits: number,
    readonly n: bigint,
    readonly e: bigint,
  ) {}
}

class BigintPrivateKey implements RsaPrivateKeyHandle {
  readonly engine = "bigint" as const;
  constructor(
    readonly publicKey: BigintPublicKey,
    readonly p: bigint,
    readonly q: bigint,
    readonly dp: bigint,
    readonly dq: bigint,
    readonly qi: bigint,
  ) {}
  get modulusBits(): number {
    return this.publicKey.modulusBits;
  }
}

/** base^exponent mod modulus, left-to-right square-and-multiply. */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  const b = base % modulus;
  for (let bit = BigInt(exponent.toString(2).length - 1); bit >= 0n; bit--) {
    result = (result * result) % modulus;
    if ((exponent >> bit) & 1n) result = (result * b) % modulus;
  }
  return result;
}

function toInteger(input: Uint8Array, key: BigintPublicKey): bigint {
  checkInput(input, key.modulusBits);
  const value = bytesToBigInt(input);
  if (value >= key.n) throw inputNotLessThanModulus();
  return value;
}

function preparePublic(key: RsaPublicParams): BigintPublicKey {
  const bits = checkPublicShape(key);
  return new BigintPublicKey(bits, bytesToBigInt(key.n), bytesToBigInt(key.e));
}

function asPublic(key: RsaPublicKeyHandle): BigintPublicKey {
  if (!(key instanceof BigintPublicKey)) throw badParameter("key", "was not prepared by the bigint engine");
  return key;
}

function asPrivate(key: RsaPrivateKeyHandle): BigintPrivateKey {
  if (!(key instanceof BigintPrivateKey)) throw badParameter("key", "was not prepared by the bigint engine");
  return key;
}

export const bigintRsaEngine: RsaEngine = Object.freeze({
  name: "bigint" as const,
  preparePrivate(key: RsaPrivateParams): RsaPrivateKeyHandle {
    checkPrivateShape(key);
    return new BigintPrivateKey(
      preparePublic(key),
      bytesToBigInt(key.p),
      bytesToBigInt(key.q),
      bytesToBigInt(key.dp),
      bytesToBigInt(key.dq),
      bytesToBigInt(key.qi),
    );
  },
  preparePublic(key: RsaPublicParams): RsaPublicKeyHandle {
    return preparePublic(key);
  },
  privateOp(handle: RsaPrivateKeyHandle, input: Uint8Array): Uint8Array {
    const key = asPrivate(handle);
    const c = toInteger(input, key.publicKey);
    // RFC 8017 section 5.1.2, step 2.b (Garner's recombination).
    const m1 = modPow(c, key.dp, key.p);
    const m2 = modPow(c, key.dq, key.q);
    const h = (key.qi * (((m1 - m2) % key.p) + key.p)) % key.p;
    const s = m2 + h * key.q;
    if (s >= key.publicKey.n || modPow(s, key.publicKey.e, key.publicKey.n) !== c) {
      throw consistencyCheckFailed();
    }
    return bigIntToBytes(s, key.modulusBits / 8);
  },
  publicOp(handle: RsaPublicKeyHandle, input: Uint8Array): Uint8Array {
    const key = asPublic(handle);
    return bigIntToBytes(modPow(toInteger(input, key), key.e, key.n), key.modulusBits / 8);
  },
});
