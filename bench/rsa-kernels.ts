/**
 * RSA private-operation kernels: wasm vs native (node:crypto raw, RSA_NO_PADDING) vs the
 * bigint reference vs node-forge, RSA 2048/3072/4096, ratios against native; then a
 * dudect-style timing check of the wasm exponentiation. Figures, not tests. "wasm" is the
 * kernel module this process selected (FMA when it passes its checks); "wasm-baseline" is the
 * baseline module in the same run, for comparison.
 * Run: `npx tsc -p tsconfig.json && node dist/bench/rsa-kernels.js`.
 */
import { constants, privateDecrypt, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { KeyholdError } from "../src/errors.js";
import {
  bigintRsaEngine,
  kernelModule,
  kernelSelection,
  wasmEngineOn,
  wasmRsaEngine,
  type RsaPrivateParams,
} from "../src/crypto/bignum/index.js";
import { bigIntToBytes, bytesToBigInt } from "../src/crypto/bytes.js";
import { parseRsaPrivateKey, type JsonWebKey } from "../src/crypto/jwk.js";
import { RSA_FIXTURES } from "../test/helpers/keys.js";
import { nodePrivateKey } from "../test/helpers/node-keys.js";
import { runGroup } from "./harness.js";

// node-forge is CommonJS whose typings declare no default export.
const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

const SIZES = [2048, 3072, 4096] as const;

interface Fixture {
  jwk: JsonWebKey;
  params: RsaPrivateParams;
}

function fixture(bits: (typeof SIZES)[number]): Fixture {
  const jwk = RSA_FIXTURES[bits];
  return { jwk, params: parseRsaPrivateKey(jwk) };
}

function forgeKey(params: RsaPrivateParams): import("node-forge").pki.rsa.PrivateKey {
  const big = (bytes: Uint8Array) => new forge.jsbn.BigInteger(Buffer.from(bytes).toString("hex"), 16);
  return forge.pki.setRsaPrivateKey(
    big(params.n),
    big(params.e),
    big(params.d),
    big(params.p),
    big(params.q),
    big(params.dp),
    big(params.dq),
    big(params.qi),
  );
}

/** A random input below n (top byte cleared). */
function inputFor(bits: number): Uint8Array {
  const input = new Uint8Array(randomBytes(bits / 8));
  input[0] = 0;
  return input;
}

async function benchPrivateOps(): Promise<void> {
  const selection = kernelSelection();
  console.log(`wasm kernels: ${selection.module} module${selection.fallbackReason === undefined ? "" : ` (${selection.fallbackReason})`}`);
  const baselineEngine = selection.module === "baseline" ? undefined : wasmEngineOn(() => kernelModule("baseline"));
  for (const bits of SIZES) {
    const { jwk, params } = fixture(bits);
    const input = inputFor(bits);
    const nodeKey = nodePrivateKey(jwk);
    const wasmKey = wasmRsaEngine.preparePrivate(params);
    const baselineKey = baselineEngine?.preparePrivate(params);
    const refKey = bigintRsaEngine.preparePrivate(params);
    const forgePrivate = forgeKey(params);
    const forgeInput = Buffer.from(input).toString("binary");
    // rsa.decrypt with ml === false is forge's raw CRT modexp (with blinding), no unpadding.
    const forgeDecrypt = (
      forge.pki.rsa as unknown as { decrypt(ed: string, key: import("node-forge").pki.rsa.PrivateKey, pub: boolean, ml: boolean): string }
    ).decrypt;
    await runGroup(
      `RSA-${bits} private operation (raw)`,
      [
        { name: "native", fn: () => privateDecrypt({ key: nodeKey, padding: constants.RSA_NO_PADDING }, input) },
        { name: "wasm", fn: () => wasmRsaEngine.privateOp(wasmKey, input) },
        ...(baselineEngine === undefined || baselineKey === undefined
          ? []
          : [{ name: "wasm-baseline", fn: () => baselineEngine.privateOp(baselineKey, input) }]),
        { name: "bigint", fn: () => bigintRsaEngine.privateOp(refKey, input) },
        { name: "node-forge", fn: () => forgeDecrypt(forgeInput, forgePrivate, false, false) },
      ],
      "native",
    );
  }
}

/** Welch's t-statistic of two samples. */
function welchT(a: readonly number[], b: readonly number[]): number {
  const stats = (xs: readonly number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    return { mean, variance, n: xs.length };
  };
  const x = stats(a);
  const y = stats(b);
  return (x.mean - y.mean) / Math.sqrt(x.variance / x.n + y.variance / y.n);
}

/**
 * dudect (Reparaz, Balasch, Verbauwhede 2017): time the wasm private operation with two
 * classes of secret CRT exponents of the same (public) length, a fixed low-weight one
 * (2^(h-1) + 1) and fresh random ones, interleaved at random; drop the slowest 10%
 * (interrupts) and print Welch's t. Both classes fail the fault check identically,
 * so only the exponentiation differs.
 */
async function constantTimeCheck(bits: (typeof SIZES)[number], samples: number): Promise<void> {
  const { params } = fixture(bits);
  const halfBytes = bits / 16;
  const lowWeight = new Uint8Array(halfBytes);
  lowWeight[0] = 0x80;
  lowWeight[halfBytes - 1] = 0x01;
  const randomExponent = () => {
    const bytes = new Uint8Array(randomBytes(halfBytes));
    bytes[0] = (bytes[0] ?? 0) | 0x80;
    return bytes;
  };
  const fixedKey = wasmRsaEngine.preparePrivate({ ...params, dp: lowWeight, dq: lowWeight });
  const randomKeys = Array.from({ length: 16 }, () =>
    wasmRsaEngine.preparePrivate({ ...params, dp: randomExponent(), dq: randomExponent() }),
  );
  const input = bigIntToBytes(bytesToBigInt(params.n) - 3n, bits / 8);
  const timings: [number[], number[]] = [[], []];
  const run = (cls: 0 | 1, i: number) => {
    const key = cls === 0 ? fixedKey : (randomKeys[i % randomKeys.length] ?? fixedKey);
    const start = process.hrtime.bigint();
    try {
      wasmRsaEngine.privateOp(key, input);
    } catch (error) {
      if (!(error instanceof KeyholdError) || error.code !== "InternalError") throw error;
    }
    return Number(process.hrtime.bigint() - start);
  };
  for (let i = 0; i < 50; i++) run((i & 1) as 0 | 1, i);
  for (let i = 0; i < samples; i++) {
    const cls = (randomBytes(1)[0]! & 1) as 0 | 1;
    timings[cls].push(run(cls, i));
  }
  const all = [...timings[0], ...timings[1]].sort((a, b) => a - b);
  const cutoff = all[Math.floor(all.length * 0.9)] ?? Infinity;
  const cropped = timings.map((xs) => xs.filter((x) => x <= cutoff)) as [number[], number[]];
  const t = welchT(cropped[0], cropped[1]);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length / 1e3;
  console.log(
    `  RSA-${bits} exponent classes fixed/random: ${cropped[0].length}/${cropped[1].length} samples, ` +
      `mean ${mean(cropped[0]).toFixed(1)}/${mean(cropped[1]).toFixed(1)} us, Welch t = ${t.toFixed(2)} ` +
      `(${Math.abs(t) < 4.5 ? "pass" : "FAIL"}: |t| < 4.5)`,
  );
}

export async function runRsaKernelBench(): Promise<void> {
  await benchPrivateOps();
  console.log("\nConstant-time check of the wasm exponentiation (dudect style)");
  await constantTimeCheck(2048, Number(process.env["DUDECT_SAMPLES"] ?? 4000));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRsaKernelBench();
}
