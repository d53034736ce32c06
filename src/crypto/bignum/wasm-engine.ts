// The RSA engine over one set of AssemblyScript kernels. A prepared key is a byte block kept by the
// handle together with the kernel instance that prepared it: blocks are module-specific (the FMA
// and baseline modules lay out their lane sections differently), so every operation on a handle
// runs on that instance, never on another module.
import { badParameter } from "../../errors.js";
import { checkInput, checkPrivateShape, checkPublicShape } from "./key-shape.js";
import { prepareBlock, rawKey, runOperation } from "./kernel-calls.js";
import type { KernelExports } from "./wasm-abi.js";
import type { RsaEngine, RsaPrivateKeyHandle, RsaPrivateParams, RsaPublicKeyHandle, RsaPublicParams } from "./types.js";

class WasmPublicKey implements RsaPublicKeyHandle {
  readonly engine = "wasm" as const;
  constructor(
    readonly modulusBits: number,
    readonly block: Uint8Array,
    readonly kernels: KernelExports,
  ) {}
}

class WasmPrivateKey implements RsaPrivateKeyHandle {
  readonly engine = "wasm" as const;
  constructor(
    readonly modulusBits: number,
    readonly block: Uint8Array,
    readonly kernels: KernelExports,
  ) {}
}

function asPublic(key: RsaPublicKeyHandle): WasmPublicKey {
  if (!(key instanceof WasmPublicKey)) throw badParameter("key", "was not prepared by the wasm engine");
  return key;
}

function asPrivate(key: RsaPrivateKeyHandle): WasmPrivateKey {
  if (!(key instanceof WasmPrivateKey)) throw badParameter("key", "was not prepared by the wasm engine");
  return key;
}

/** An engine whose keys are prepared by kernels() (called once per prepare). */
export function wasmEngineOn(kernels: () => KernelExports): RsaEngine {
  return Object.freeze({
    name: "wasm" as const,
    preparePrivate(key: RsaPrivateParams): RsaPrivateKeyHandle {
      const bits = checkPrivateShape(key);
      const instance = kernels();
      const k = bits / 8;
      const h = k / 2;
      const raw = rawKey(bits, [key.n, key.e, key.p, key.q, key.dp, key.dq, key.qi], [k, k, h, h, h, h, h]);
      return new WasmPrivateKey(
        bits,
        prepareBlock(instance, raw, instance.rsa_private_block_bytes(bits), instance.rsa_prepare_private),
        instance,
      );
    },
    preparePublic(key: RsaPublicParams): RsaPublicKeyHandle {
      const bits = checkPublicShape(key);
      const instance = kernels();
      const raw = rawKey(bits, [key.n, key.e], [bits / 8, bits / 8]);
      return new WasmPublicKey(
        bits,
        prepareBlock(instance, raw, instance.rsa_public_block_bytes(bits), instance.rsa_prepare_public),
        instance,
      );
    },
    privateOp(handle: RsaPrivateKeyHandle, input: Uint8Array): Uint8Array {
      const key = asPrivate(handle);
      checkInput(input, key.modulusBits);
      return runOperation(key.kernels, key.block, input, key.kernels.rsa_private);
    },
    publicOp(handle: RsaPublicKeyHandle, input: Uint8Array): Uint8Array {
      const key = asPublic(handle);
      checkInput(input, key.modulusBits);
      return runOperation(key.kernels, key.block, input, key.kernels.rsa_public);
    },
  });
}
