export type {
  RsaEngine,
  RsaPrivateKeyHandle,
  RsaPrivateParams,
  RsaPublicKeyHandle,
  RsaPublicParams,
} from "./types.js";
export { wasmRsaEngine, initWasmKernels } from "./wasm.js";
export { bigintRsaEngine } from "./reference.js";
export { bytesToBigInt, bigIntToBytes } from "./bytes.js";
