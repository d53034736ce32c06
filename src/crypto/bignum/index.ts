export type {
  RsaEngine,
  RsaPrivateParams,
} from "./types.js";
export { wasmRsaEngine, wasmEngineOn, kernelSelection, kernelModule, selectKernels } from "./wasm.js";
export { bigintRsaEngine } from "./reference.js";
