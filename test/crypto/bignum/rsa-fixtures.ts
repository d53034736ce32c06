// The pre-generated RSA test keys (test/fixtures/keys) as engine parameters and node:crypto keys.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RsaPrivateParams } from "../../../src/crypto/bignum/index.js";
import { kernelSelection, selectKernels } from "../../../src/crypto/bignum/index.js";
import { bytesToBigInt } from "../../../src/crypto/bytes.js";
import { instantiateKernels } from "../../../src/crypto/bignum/wasm-abi.js";

export const RSA_SIZES = [2048, 3072, 4096] as const;

/** Whether this engine and CPU can run the FMA kernel module (it compiles and its checks pass). */
export const FMA_USABLE =
  kernelSelection().module === "fma" ||
  selectKernels({ fma: () => instantiateKernels("fma"), baseline: () => instantiateKernels("baseline") }).module === "fma";

/** The kernel modules the differential tests cover here: both, or baseline alone where FMA is unusable. */
export const KERNEL_MODULES = FMA_USABLE ? (["fma", "baseline"] as const) : (["baseline"] as const);

export interface RsaFixture {
  readonly bits: number;
  readonly params: RsaPrivateParams;
  readonly n: bigint;
  readonly nodePrivate: KeyObject;
  readonly nodePublic: KeyObject;
}

function field(jwk: Record<string, unknown>, name: string): Uint8Array {
  const value = jwk[name];
  if (typeof value !== "string") throw new Error(`fixture is missing ${name}`);
  return new Uint8Array(Buffer.from(value, "base64url"));
}

export function loadRsaFixture(bits: number): RsaFixture {
  const url = new URL(`../../fixtures/keys/rsa-${bits}-1.json`, import.meta.url);
  const jwk = JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
  const params: RsaPrivateParams = {
    n: field(jwk, "n"),
    e: field(jwk, "e"),
    d: field(jwk, "d"),
    p: field(jwk, "p"),
    q: field(jwk, "q"),
    dp: field(jwk, "dp"),
    dq: field(jwk, "dq"),
    qi: field(jwk, "qi"),
  };
  const nodePrivate = createPrivateKey({ key: jwk, format: "jwk" });
  return { bits, params, n: bytesToBigInt(params.n), nodePrivate, nodePublic: createPublicKey(nodePrivate) };
}
