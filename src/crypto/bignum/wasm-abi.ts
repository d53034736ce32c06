// The kernels' flat ABI (wasm/assembly/index.ts): offsets into one exported memory,
// byte lengths and i32 status codes. Instantiated synchronously from the embedded bytes;
// the crypto core never reads files.
import { WASM_KERNELS_BASE64 } from "../../gen/wasm-kernels.js";

// The project's TypeScript lib (ES2023 without DOM) has no WebAssembly declarations,
// so the few members used here are typed locally.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  instantiate(bytes: Uint8Array, imports: object): Promise<{ readonly instance: { readonly exports: unknown } }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

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

let kernels: KernelExports | undefined;

const imports = {
  env: {
    abort(): never {
      throw new Error("wasm kernel aborted");
    },
  },
};

function kernelBytes(): Uint8Array {
  return Buffer.from(WASM_KERNELS_BASE64, "base64");
}

/** Compiles the kernels off the caller's critical path; optional, loadKernels() compiles synchronously if needed. */
export async function initWasmKernels(): Promise<void> {
  if (kernels !== undefined) return;
  const { instance } = await wasm.instantiate(kernelBytes(), imports);
  kernels ??= instance.exports as unknown as KernelExports;
}

/** The one kernel instance of this thread. */
export function loadKernels(): KernelExports {
  kernels ??= new wasm.Instance(new wasm.Module(kernelBytes()), imports).exports as unknown as KernelExports;
  return kernels;
}
