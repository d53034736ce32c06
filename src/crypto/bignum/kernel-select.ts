// Which kernel module a thread uses. The FMA module is the faster one (bench/rsa-kernels.ts) but
// its exact limb-product splits need f64x2.relaxed_madd to be fused, which the relaxed-SIMD spec
// leaves to the engine. So it is used only when it compiles here, its probe sees a fused
// multiply-add, and it reproduces a known RSA answer (the self-test RS256 signature, made by
// OpenSSL) and inverts it again; otherwise the baseline module, which needs plain SIMD only.
import { createHash } from "node:crypto";
import { equalBytes, fromBase64Url } from "../bytes.js";
import { parseRsaPrivateKey } from "../jwk.js";
import { SELF_TEST_MESSAGE, SELF_TEST_RS256, SELF_TEST_RSA_KEY } from "../self-test-vectors.js";
import { encode as encodeDigestInfo } from "../rsa/pkcs1-sign.js";
import { instantiateKernels, LANES_PROBE, type KernelExports, type KernelModuleName } from "./wasm-abi.js";
import { wasmEngineOn } from "./wasm-engine.js";

export interface KernelSelection {
  readonly module: KernelModuleName;
  readonly kernels: KernelExports;
  /** Why the FMA module is not in use (absent when it is). */
  readonly fallbackReason?: string;
}

/** How to get each module; tests inject failing ones to exercise the fallback. */
export interface KernelCandidates {
  fma(): KernelExports;
  baseline(): KernelExports;
}

const DEFAULT_CANDIDATES: KernelCandidates = {
  fma: () => instantiateKernels("fma"),
  baseline: () => instantiateKernels("baseline"),
};

/** Undefined when the kernels sign the self-test message exactly as OpenSSL did and verify it back. */
function knownAnswerFailure(kernels: KernelExports): string | undefined {
  const engine = wasmEngineOn(() => kernels);
  const key = parseRsaPrivateKey(SELF_TEST_RSA_KEY, "selfTest");
  const message = encodeDigestInfo("SHA-256", createHash("sha256").update(SELF_TEST_MESSAGE).digest(), key.byteLength);
  const expected = fromBase64Url(SELF_TEST_RS256, "selfTest.rs256");
  if (!equalBytes(engine.privateOp(engine.preparePrivate(key), message), expected)) return "known-answer RSA signature differs";
  if (!equalBytes(engine.publicOp(engine.preparePublic(key), expected), message)) return "known-answer RSA verification differs";
  return undefined;
}

/** The FMA module when it passes its checks, else the baseline module and the reason. */
export function selectKernels(candidates: KernelCandidates = DEFAULT_CANDIDATES): KernelSelection {
  let reason: string;
  try {
    const kernels = candidates.fma();
    const probe = kernels.lanes_probe(LANES_PROBE.a, LANES_PROBE.c) === 1 ? undefined : "multiply-add is not fused on this engine";
    const failure = probe ?? knownAnswerFailure(kernels);
    if (failure === undefined) return { module: "fma", kernels };
    reason = failure;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  return { module: "baseline", kernels: candidates.baseline(), fallbackReason: `FMA kernels not used: ${reason}` };
}

let selection: KernelSelection | undefined;

/** This thread's choice, made on first use. */
export function kernelSelection(): KernelSelection {
  selection ??= selectKernels();
  return selection;
}

/** The one kernel instance this thread's default engine uses. */
export function loadKernels(): KernelExports {
  return kernelSelection().kernels;
}

const instances = new Map<KernelModuleName, KernelExports>();

/** One instance of a named module per thread, for comparing the modules (tests, bench). */
export function kernelModule(name: KernelModuleName): KernelExports {
  const chosen = kernelSelection();
  if (chosen.module === name) return chosen.kernels;
  let kernels = instances.get(name);
  if (kernels === undefined) {
    kernels = instantiateKernels(name);
    instances.set(name, kernels);
  }
  return kernels;
}
