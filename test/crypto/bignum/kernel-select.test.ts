// The choice between the FMA and baseline kernel modules (src/crypto/bignum/kernel-select.ts):
// both compute the same results, a key prepared by one module only ever runs on it, and the
// baseline module takes over whenever the FMA module cannot be used.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernelModule, kernelSelection, selectKernels, wasmEngineOn } from "../../../src/crypto/bignum/index.js";
import { bigIntToBytes } from "../../../src/crypto/bytes.js";
import { KernelStatus, instantiateKernels, type KernelExports } from "../../../src/crypto/bignum/wasm-abi.js";
import { FMA_USABLE, RSA_SIZES, loadRsaFixture } from "./rsa-fixtures.js";

const fma = wasmEngineOn(() => kernelModule("fma"));
const baseline = wasmEngineOn(() => kernelModule("baseline"));

describe("kernel selection", () => {
  it("uses the FMA module wherever it is usable, with a reason otherwise", () => {
    expect(kernelSelection().module).toBe(FMA_USABLE ? "fma" : "baseline");
    expect(kernelSelection().fallbackReason === undefined).toBe(FMA_USABLE);
  });
});

// Where the FMA module is unusable (no relaxed SIMD, or an unfused multiply-add) only the
// fallback tests below apply.
describe.skipIf(!FMA_USABLE)("kernel modules", () => {
  it.each(RSA_SIZES)("FMA and baseline modules agree on RSA-%i private and public operations", (bits) => {
    const fixture = loadRsaFixture(bits);
    const keys = { fma: fma.preparePrivate(fixture.params), baseline: baseline.preparePrivate(fixture.params) };
    const publicKeys = { fma: fma.preparePublic(fixture.params), baseline: baseline.preparePublic(fixture.params) };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: fixture.n - 1n }), (value) => {
        const input = bigIntToBytes(value, bits / 8);
        expect(fma.privateOp(keys.fma, input)).toEqual(baseline.privateOp(keys.baseline, input));
        expect(fma.publicOp(publicKeys.fma, input)).toEqual(baseline.publicOp(publicKeys.baseline, input));
      }),
      { numRuns: 5 },
    );
  });

  it("runs a key on the module that prepared it, whichever engine is called", () => {
    const fixture = loadRsaFixture(2048);
    expect(kernelModule("fma").rsa_private_block_bytes(2048)).not.toBe(kernelModule("baseline").rsa_private_block_bytes(2048));
    const input = bigIntToBytes(fixture.n - 5n, 256);
    const fmaKey = fma.preparePrivate(fixture.params);
    const baselineKey = baseline.preparePrivate(fixture.params);
    expect(baseline.privateOp(fmaKey, input)).toEqual(fma.privateOp(baselineKey, input));
  });
});

describe("fallback to the baseline module", () => {
  const baselineOnly = () => instantiateKernels("baseline");

  it("when the FMA module cannot be compiled", () => {
    const choice = selectKernels({
      fma: () => {
        throw new Error("CompileError: invalid simd opcode");
      },
      baseline: baselineOnly,
    });
    expect(choice.module).toBe("baseline");
    expect(choice.fallbackReason).toMatch(/invalid simd opcode/);
    expect(choice.kernels.lanes_probe(0, 0)).toBe(1);
  });

  it("when the probe sees an unfused multiply-add", () => {
    const unfused: KernelExports = { ...instantiateKernels("fma"), lanes_probe: () => 0 };
    const choice = selectKernels({ fma: () => unfused, baseline: baselineOnly });
    expect(choice.module).toBe("baseline");
    expect(choice.fallbackReason).toMatch(/not fused/);
  });

  it("when the FMA module fails the known-answer RSA check", () => {
    const real = instantiateKernels("fma");
    // A private operation that returns its input unchanged: wrong, but with status OK.
    const wrong: KernelExports = { ...real, rsa_private: () => KernelStatus.OK };
    const choice = selectKernels({ fma: () => wrong, baseline: baselineOnly });
    expect(choice.module).toBe("baseline");
    expect(choice.fallbackReason).toMatch(/known-answer/);
  });

  it.skipIf(!FMA_USABLE)("accepts a working FMA module", () => {
    expect(selectKernels({ fma: () => instantiateKernels("fma"), baseline: baselineOnly }).module).toBe("fma");
  });
});
