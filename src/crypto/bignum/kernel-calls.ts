// Calls into one kernel instance: a prepared key is a byte block (limbs plus Montgomery constants)
// kept by the caller; each call copies its inputs into the kernel arena, runs, and zeroes the arena
// copies of key and input it wrote. A block is only valid for the instance (module) that made it.
import { KeyholdError, badParameter } from "../../errors.js";
import { toFixedLength } from "./bytes.js";
import { consistencyCheckFailed, inputNotLessThanModulus } from "./key-shape.js";
import { KernelStatus, type KernelExports } from "./wasm-abi.js";

/** Where a prepare call writes its output, after the raw key in the KEY area. */
const PREPARED_OFFSET = 16384;

export type KernelCall = (key: number, keyLen: number, io: number, ioLen: number) => number;

function statusError(status: number): KeyholdError {
  switch (status) {
    case KernelStatus.INPUT_NOT_LESS_THAN_MODULUS:
      return inputNotLessThanModulus();
    case KernelStatus.CONSISTENCY_CHECK_FAILED:
      return consistencyCheckFailed();
    case KernelStatus.EVEN_MODULUS:
      return badParameter("key", "modulus and primes must be odd");
    default:
      return new KeyholdError("InternalError", `RSA kernel rejected the call (status ${status})`);
  }
}

/** The kernels' raw key layout: u64 bits, then each field big-endian at its fixed length. */
export function rawKey(bits: number, fields: readonly Uint8Array[], lengths: readonly number[]): Uint8Array {
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

/** Runs a prepare call on raw (which is zeroed) and returns the prepared block. */
export function prepareBlock(kernels: KernelExports, raw: Uint8Array, blockBytes: number, run: KernelCall): Uint8Array {
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

export function runOperation(kernels: KernelExports, block: Uint8Array, input: Uint8Array, run: KernelCall): Uint8Array {
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
