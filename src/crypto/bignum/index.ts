export type {
  RsaEngine,
  RsaPrivateKeyHandle,
  RsaPrivateParams,
  RsaPublicKeyHandle,
  RsaPublicParams,
} from "./types.js";
export { wasmRsaEngine, initWasmKernels, wasmEngineOn, kernelSelection, kernelModule, selectKernels } from "./wasm.js";
export { bigintRsaEngine } from "./reference.js";
export { bytesToBigInt, bigIntToBytes } from "./bytes.js";
