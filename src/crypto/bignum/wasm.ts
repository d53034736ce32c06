// The RSA engine over the AssemblyScript kernels. A prepared key is a byte block
// (limbs plus Montgomery constants) kept by the handle; each operation copies it into
// the kernel arena, runs, and zeroes the arena copies of key and input it wrote.
import { KeyholdError, badParameter } from "../../errors.js";
import { toFixedLength } from "./bytes.js";
import { checkInput, checkPrivateShape, checkPublicShape } from "./key-shape.js";
import { KernelStatus, loadKernels, type KernelExports } from "./wasm-abi.js";
import type { RsaEngine, RsaPrivateKeyHandle, RsaPrivateParams, RsaPublicKeyHandle, RsaPublicParams } from "./types.js";

export { initWasmKernels } from "./wasm-abi.js";

class WasmPublicKey implements RsaPublicKeyHandle {
  readonly engine = "wasm" as const;
  constructor(
    readonly modulusBits: number,
    readonly block: Uint8Array,
  ) {}
}

class WasmPrivateKey implements RsaPrivateKeyHandle {
  readonly engine = "wasm" as const;
  constructor(
    readonly modulusBits: number,
    readonly block: Uint8Array,
  ) {}
}

/** Where a prepare call writes its output, after the raw key in the KEY area. */
const PREPARED_OFFSET = 16384;

function statusError(status: number): KeyholdError {
  switch (status) {
    case KernelStatus.INPUT_NOT_LESS_THAN_MODULUS:
      return badParameter("input", "must be less than the modulus");
    case KernelStatus.CONSISTENCY_CHECK_FAILED:
      return new KeyholdError("InternalError", "RSA private operation failed its consistency check");
    case KernelStatus.EVEN_MODULUS:
      return badParameter("key", "modulus and primes must be odd");
    default:
      return new KeyholdError("InternalError", `RSA kernel rejected the call (status ${status})`);
  }
}

function rawKey(bits: number, fields: readonly Uint8Array[], lengths: readonly number[]): Uint8Array {
  const raw = new Uint8Array(8 + lengths.reduce((sum, length) => sum + length, 0));
  new DataView(raw.buffer).setUint32(0, bits, true);
  let offset = 8;
  fields.forEach((field, i) => {
    const length = lengths[i] ?? 0;
    raw.set(toFixedLength(field, length), offset);
    offset += length;
  });
  return raw;
}

function prepare(
  kernels: KernelExports,
  raw: Uint8Array,
  blockBytes: number,
  run: (raw: number, rawLen: number, out: number, outLen: number) => number,
): Uint8Array {
  const memory = new Uint8Array(kernels.memory.buffer);
  const keyArea = kernels.key_area();
  const out = keyArea + PREPARED_OFFSET;
  memory.set(raw, keyArea);
  raw.fill(0);
  try {
    const status = run(keyArea, raw.length, out, blockBytes);
    if (status !== KernelStatus.OK) throw statusError(status);
    return memory.slice(out, out + blockBytes);
  } finally {
    memory.fill(0, keyArea, keyArea + kernels.key_area_bytes());
  }
}

function runOperation(
  kernels: KernelExports,
  block: Uint8Array,
  input: Uint8Array,
  run: (key: number, keyLen: number, io: number, ioLen: number) => number,
): Uint8Array {
  const memory = new Uint8Array(kernels.memory.buffer);
  const keyArea = kernels.key_area();
  const io = kernels.io_area();
  memory.set(block, keyArea);
  memory.set(input, io);
  try {
    const status = run(keyArea, block.length, io, input.length);
    if (status !== KernelStatus.OK) throw statusError(status);
    return memory.slice(io, io + input.length);
  } finally {
    memory.fill(0, keyArea, keyArea + block.length);
    memory.fill(0, io, io + input.length);
  }
}

function asPublic(key: RsaPublicKeyHandle): WasmPublicKey {
  if (!(key instanceof WasmPublicKey)) throw badParameter("key", "was not prepared by the wasm engine");
  return key;
}

function asPrivate(key: RsaPrivateKeyHandle): WasmPrivateKey {
  if (!(key instanceof WasmPrivateKey)) throw badParameter("key", "was not prepared by the wasm engine");
  return key;
}

export const wasmRsaEngine: RsaEngine = Object.freeze({
  name: "wasm" as const,
  preparePrivate(key: RsaPrivateParams): RsaPrivateKeyHandle {
    const bits = checkPrivateShape(key);
    const kernels = loadKernels();
    const k = bits / 8;
    const h = k / 2;
    const raw = rawKey(bits, [key.n, key.e, key.p, key.q, key.dp, key.dq, key.qi], [k, k, h, h, h, h, h]);
    const block = prepare(kernels, raw, kernels.rsa_private_block_bytes(bits), kernels.rsa_prepare_private);
    return new WasmPrivateKey(bits, block);
  },
  preparePublic(key: RsaPublicParams): RsaPublicKeyHandle {
    const bits = checkPublicShape(key);
    const kernels = loadKernels();
    const raw = rawKey(bits, [key.n, key.e], [bits / 8, bits / 8]);
    const block = prepare(kernels, raw, kernels.rsa_public_block_bytes(bits), kernels.rsa_prepare_public);
    return new WasmPublicKey(bits, block);
  },
  privateOp(handle: RsaPrivateKeyHandle, input: Uint8Array): Uint8Array {
    const key = asPrivate(handle);
    checkInput(input, key.modulusBits);
    const kernels = loadKernels();
    return runOperation(kernels, key.block, input, kernels.rsa_private);
  },
  publicOp(handle: RsaPublicKeyHandle, input: Uint8Array): Uint8Array {
    const key = asPublic(handle);
    checkInput(input, key.modulusBits);
    const kernels = loadKernels();
    return runOperation(kernels, key.block, input, kernels.rsa_public);
  },
});
