// wasm kernels (both modules: FMA and baseline, see kernel-select.ts) vs the bigint reference vs
// node:crypto raw RSA (RSA_NO_PADDING) on random inputs below n and on the edge values 0, 1 and
// n-1, for every supported key size. The bigint reference's private op does not depend on the kernel
// module, so its random-input property runs once per key size, not once per size and module.
import { constants, privateDecrypt, publicEncrypt } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bigintRsaEngine, kernelModule, wasmEngineOn } from "../../../src/crypto/bignum/index.js";
import { bigIntToBytes } from "../../../src/crypto/bytes.js";
import { KERNEL_MODULES, RSA_SIZES, loadRsaFixture } from "./rsa-fixtures.js";

const RUNS: Record<number, number> = { 2048: 50, 3072: 30, 4096: 20 };
const CASES = KERNEL_MODULES.flatMap((module) => RSA_SIZES.map((bits) => [module, bits] as const));

describe.each(CASES)("%s kernels: RSA-%i raw operations", (module, bits) => {
  const wasmRsaEngine = wasmEngineOn(() => kernelModule(module));
  const fixture = loadRsaFixture(bits);
  const k = bits / 8;
  const wasmPrivate = wasmRsaEngine.preparePrivate(fixture.params);
  const wasmPublic = wasmRsaEngine.preparePublic(fixture.params);
  const refPrivate = bigintRsaEngine.preparePrivate(fixture.params);
  const refPublic = bigintRsaEngine.preparePublic(fixture.params);
  const nativePrivate = (x: Uint8Array) =>
    new Uint8Array(privateDecrypt({ key: fixture.nodePrivate, padding: constants.RSA_NO_PADDING }, x));
  const nativePublic = (x: Uint8Array) => new Uint8Array(publicEncrypt({ key: fixture.nodePublic, padding: constants.RSA_NO_PADDING }, x));
  const inputBelowN = fc.bigInt({ min: 0n, max: fixture.n - 1n }).map((x) => bigIntToBytes(x, k));

  it("private op agrees between wasm and node:crypto", () => {
    fc.assert(
      fc.property(inputBelowN, (input) => {
        expect(wasmRsaEngine.privateOp(wasmPrivate, input)).toEqual(nativePrivate(input));
      }),
      { numRuns: RUNS[bits] ?? 20 },
    );
  });

  it("public op agrees across wasm, bigint and node:crypto and inverts the private op", () => {
    fc.assert(
      fc.property(inputBelowN, (input) => {
        const expected = nativePublic(input);
        expect(wasmRsaEngine.publicOp(wasmPublic, input)).toEqual(expected);
        expect(bigintRsaEngine.publicOp(refPublic, input)).toEqual(expected);
        expect(wasmRsaEngine.publicOp(wasmPublic, wasmRsaEngine.privateOp(wasmPrivate, input))).toEqual(input);
      }),
      { numRuns: RUNS[bits] ?? 20 },
    );
  });

  it.each([
    ["0", 0n],
    ["1", 1n],
    ["2", 2n],
    ["n-1", -1n],
    ["n-2", -2n],
  ])("edge value %s gives the same result on every engine", (_name, offset) => {
    const input = bigIntToBytes(offset < 0n ? fixture.n + offset : offset, k);
    const expectedPrivate = nativePrivate(input);
    expect(wasmRsaEngine.privateOp(wasmPrivate, input)).toEqual(expectedPrivate);
    expect(bigintRsaEngine.privateOp(refPrivate, input)).toEqual(expectedPrivate);
    const expectedPublic = nativePublic(input);
    expect(wasmRsaEngine.publicOp(wasmPublic, input)).toEqual(expectedPublic);
    expect(bigintRsaEngine.publicOp(refPublic, input)).toEqual(expectedPublic);
  });

  it("leaves no key or input bytes in the kernel arena after an operation", () => {
    const kernels = kernelModule(module);
    const input = bigIntToBytes(fixture.n - 12345n, k);
    wasmRsaEngine.privateOp(wasmPrivate, input);
    const arena = new Uint8Array(kernels.memory.buffer).subarray(kernels.key_area());
    expect(arena.every((byte) => byte === 0)).toBe(true);
  });
});

describe.each(RSA_SIZES)("bigint reference: RSA-%i raw private op", (bits) => {
  const fixture = loadRsaFixture(bits);
  const refPrivate = bigintRsaEngine.preparePrivate(fixture.params);
  const inputBelowN = fc.bigInt({ min: 0n, max: fixture.n - 1n }).map((x) => bigIntToBytes(x, bits / 8));

  it("agrees with node:crypto", () => {
    fc.assert(
      fc.property(inputBelowN, (input) => {
        const expected = new Uint8Array(privateDecrypt({ key: fixture.nodePrivate, padding: constants.RSA_NO_PADDING }, input));
        expect(bigintRsaEngine.privateOp(refPrivate, input)).toEqual(expected);
      }),
      { numRuns: RUNS[bits] ?? 20 },
    );
  });
});
