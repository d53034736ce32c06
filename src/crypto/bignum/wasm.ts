// The RSA engine on this thread's kernels: the FMA module or the baseline one, as
// kernel-select.ts decided (wasm-engine.ts is the engine itself).
import { loadKernels } from "./kernel-select.js";
import type { RsaEngine } from "./types.js";
import { wasmEngineOn } from "./wasm-engine.js";

export { kernelSelection, kernelModule, selectKernels } from "./kernel-select.js";
export { wasmEngineOn } from "./wasm-engine.js";

/** The engine on this thread's selected kernels (kernel-select.ts). */
export const wasmRsaEngine: RsaEngine = wasmEngineOn(loadKernels);
