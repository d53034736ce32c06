/**
 * The wasm RSA provider: our AssemblyScript kernels (constant-time
 * Montgomery arithmetic, CRT with a fault check) behind the same interface as
 * the native provider. Kernel handles are prepared once per parsed key.
 */
import { wasmRsaEngine } from "../bignum/index.js";
import type { RsaPrivateKey, RsaPublicKey } from "../jwk.js";
import type { RsaProvider } from "./types.js";

type PrivateHandle = ReturnType<typeof wasmRsaEngine.preparePrivate>;
type PublicHandle = ReturnType<typeof wasmRsaEngine.preparePublic>;

const privateHandles = new WeakMap<RsaPrivateKey, PrivateHandle>();
const publicHandles = new WeakMap<RsaPublicKey, PublicHandle>();

export const wasmRsaProvider: RsaProvider = Object.freeze({
  name: "wasm" as const,
  privateOp(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
    let handle = privateHandles.get(key);
    if (handle === undefined) {
      handle = wasmRsaEngine.preparePrivate(key);
      privateHandles.set(key, handle);
    }
    return wasmRsaEngine.privateOp(handle, input);
  },
  publicOp(key: RsaPublicKey, input: Uint8Array): Uint8Array {
    let handle = publicHandles.get(key);
    if (handle === undefined) {
      handle = wasmRsaEngine.preparePublic(key);
      publicHandles.set(key, handle);
    }
    return wasmRsaEngine.publicOp(handle, input);
  },
});
