// The kernels' flat ABI (wasm/assembly/index.ts): offsets into one exported memory,
// byte lengths and i32 status codes. Two modules implement it (wasm/build.mjs): "fma", whose
// paired CRT kernels split 52-bit limb products exactly with fused multiply-add (relaxed SIMD),
// and "baseline" (22-bit limbs, plain SIMD). kernel-select.ts picks one per thread.
// Instantiated synchronously from the embedded bytes; the crypto core never reads files.
import { setFlagsFromString } from "node:v8";
import { WASM_KERNELS_BASE64, WASM_KERNELS_FMA_BASE64 } from "../../gen/wasm-kernels.js";

// The project's TypeScript lib (ES2023 without DOM) has no WebAssembly declarations,
// so the few members used here are typed locally.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export type KernelModuleName = "fma" | "baseline";

export interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  key_area(): number;
  key_area_bytes(): number;
  io_area(): number;
  io_area_bytes(): number;
  rsa_public_block_bytes(bits: number): number;
  rsa_private_block_bytes(bits: number): number;
  rsa_prepare_public(raw: number, rawLen: number, out: number, outLen: number): number;
  rsa_prepare_private(raw: number, rawLen: number, out: number, outLen: number): number;
  rsa_public(key: number, keyLen: number, io: number, ioLen: number): number;
  rsa_private(key: number, keyLen: number, io: number, ioLen: number): number;
  /** 1 when the module's lane arithmetic holds here; see LANES_PROBE. */
  lanes_probe(a: number, c: number): number;
}

/** Mirrors wasm/assembly/status.ts. */
export const KernelStatus = Object.freeze({
  OK: 0,
  UNSUPPORTED_SIZE: 1,
  INPUT_NOT_LESS_THAN_MODULUS: 2,
  CONSISTENCY_CHECK_FAILED: 3,
  EVEN_MODULUS: 4,
  BAD_LENGTH: 5,
});

/** Probe operands (wasm/assembly/lanes.ts): (2^52+1)^2 - (2^104+2^53) is 1 with a fused multiply-add, 0 without. */
export const LANES_PROBE = Object.freeze({ a: 2 ** 52 + 1, c: -(2 ** 104 + 2 ** 53) });

const imports = {
  env: {
    abort(): never {
      throw new Error("wasm kernel aborted");
    },
  },
};

function moduleBytes(name: KernelModuleName): Uint8Array {
  return Buffer.from(name === "fma" ? WASM_KERNELS_FMA_BASE64 : WASM_KERNELS_BASE64, "base64");
}

/**
 * Node 20's V8 (11.3) compiles relaxed SIMD only behind --experimental-wasm-relaxed-simd; from
 * Node 22 (V8 12.4) it ships enabled. The flag is read when a module is compiled, so it is set
 * at run time, here, and only when the engine would otherwise refuse the FMA module; V8 flags
 * are process-wide, so piscina workers share it (setting it again in a worker is harmless).
 */
function allowRelaxedSimd(bytes: Uint8Array): void {
  if (!wasm.validate(bytes)) setFlagsFromString("--experimental-wasm-relaxed-simd");
}

/** A fresh instance of one kernel module (its own memory). Throws if this engine cannot compile it. */
export function instantiateKernels(name: KernelModuleName): KernelExports {
  const bytes = moduleBytes(name);
  if (name === "fma") allowRelaxedSimd(bytes);
  return new wasm.Instance(new wasm.Module(bytes), imports).exports as unknown as KernelExports;
}
