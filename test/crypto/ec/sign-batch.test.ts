/**
 * Batch signing (the core's signBatch, the providers' signBatch): every signature checked by OpenSSL through
 * node:crypto, which hashes, so each digest is the hash of a message node:crypto verifies.
 */
import { createHash, createPublicKey, randomBytes, verify as nodeVerify, type KeyObject } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALGORITHMS, CURVES, NODE_HASH, type CurveName, type EcdsaSpec } from "../../../src/crypto/algorithms.js";
import { bytesToBigInt } from "../../../src/crypto/bytes.js";
import { signBatch, verify } from "../../../src/crypto/index.js";
import { PROVIDERS_BY_FAMILY } from "../../../src/crypto/providers/index.js";
import { EC_FIXTURES } from "../../helpers/keys.js";
import { nodePrivateKey } from "../../helpers/node-keys.js";
import { CURVE_NAMES } from "./signatures.js";

const ES_BY_CURVE = Object.fromEntries(
  Object.values(ALGORITHMS).flatMap((spec) => (spec.scheme === "ECDSA" ? [[spec.curve, spec]] : [])),
) as Record<CurveName, EcdsaSpec>;

const publicKeys = new Map<CurveName, KeyObject>();
function nodePublicKey(curve: CurveName): KeyObject {
  let key = publicKeys.get(curve);
  if (key === undefined) {
    key = createPublicKey(nodePrivateKey(EC_FIXTURES[curve]));
    publicKeys.set(curve, key);
  }
  return key;
}

/** Messages and the digests the core signs (their hash with the curve's ES* hash). */
function messages(curve: CurveName, count: number): { messages: Buffer[]; digests: Uint8Array[] } {
  const hash = NODE_HASH[ES_BY_CURVE[curve].hash];
  const list = Array.from({ length: count }, () => randomBytes(1 + (count % 7)));
  return { messages: list, digests: list.map((m) => new Uint8Array(createHash(hash).update(m).digest())) };
}

function nodeAccepts(curve: CurveName, message: Uint8Array, signature: Uint8Array): boolean {
  const hash = NODE_HASH[ES_BY_CURVE[curve].hash];
  return nodeVerify(hash, message, { key: nodePublicKey(curve), dsaEncoding: "ieee-p1363" }, signature);
}

function fulfilled(results: PromiseSettledResult<Uint8Array>[]): Uint8Array[] {
  return results.map((result) => {
    if (result.status !== "fulfilled") throw new Error(`item failed: ${String(result.reason)}`);
    return result.value;
  });
}

const PROVIDERS = PROVIDERS_BY_FAMILY.ec;

describe.each(PROVIDERS)("signBatch [%s]", (provider) => {
  it.each([1, 2, 64])("P-256: a batch of %i verifies item by item with node:crypto and with every provider", async (count) => {
    const { messages: list, digests } = messages("P-256", count);
    const signatures = fulfilled(await signBatch("ES256", EC_FIXTURES["P-256"], digests, { provider }));
    expect(signatures).toHaveLength(count);
    for (const [i, signature] of signatures.entries()) {
      expect(nodeAccepts("P-256", list[i]!, signature)).toBe(true);
      for (const verifier of PROVIDERS)
        expect(await verify("ES256", EC_FIXTURES["P-256"], digests[i]!, signature, { provider: verifier })).toBe(true);
      // In order: item i's signature is not item i+1's.
      if (i + 1 < count) expect(nodeAccepts("P-256", list[i + 1]!, signature)).toBe(false);
    }
  });

  it.each(CURVE_NAMES.filter((curve) => curve !== "P-256"))("%s: a batch of 3 verifies with node:crypto", async (curve) => {
    const { messages: list, digests } = messages(curve, 3);
    const signatures = fulfilled(await signBatch(ES_BY_CURVE[curve].name, EC_FIXTURES[curve], digests, { provider }));
    for (const [i, signature] of signatures.entries()) expect(nodeAccepts(curve, list[i]!, signature)).toBe(true);
  });

  it("the same digest 16 times gets 16 different nonces (distinct r), all valid", async () => {
    const { messages: list, digests } = messages("P-256", 1);
    const signatures = fulfilled(await signBatch("ES256", EC_FIXTURES["P-256"], Array(16).fill(digests[0]), { provider }));
    const rs = new Set(signatures.map((signature) => bytesToBigInt(signature.subarray(0, 32)).toString(16)));
    expect(rs.size).toBe(16);
    for (const signature of signatures) expect(nodeAccepts("P-256", list[0]!, signature)).toBe(true);
  });

  it("a digest of the wrong length fails alone, with the field named; the others are signed", async () => {
    const { messages: list, digests } = messages("P-256", 4);
    const items = [digests[0]!, new Uint8Array(31), digests[2]!, new Uint8Array(48), digests[3]!];
    const results = await signBatch("ES256", EC_FIXTURES["P-256"], items, { provider });
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    for (const i of [1, 3]) expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: "BadParameter", field: "digest" });
    const signed = [0, 2, 4].map((i) => (results[i] as PromiseFulfilledResult<Uint8Array>).value);
    expect(signed.map((signature, j) => nodeAccepts("P-256", list[[0, 2, 3][j]!]!, signature))).toEqual([true, true, true]);
  });

  it("a key of the wrong curve fails every item, as sign does", async () => {
    const results = await signBatch("ES256", EC_FIXTURES["P-384"], [new Uint8Array(32), new Uint8Array(32)], { provider });
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "BadParameter", field: "algorithm" });
  });

  it("an empty batch is an empty answer", async () => {
    expect(await signBatch("ES256", EC_FIXTURES["P-256"], [], { provider })).toEqual([]);
  });
});

// Noble's signBatch is its sign in a loop (covered above up to 64 items); the native one shares its inversion
// across the batch, so it is the one run at the 1,000-item limit.
describe("signBatch at scale and by property", () => {
  it("1000 ES256 digests signed by the native provider each verify with node:crypto", async () => {
    const { messages: list, digests } = messages("P-256", 1000);
    const signatures = fulfilled(await signBatch("ES256", EC_FIXTURES["P-256"], digests, { provider: "native" }));
    expect(signatures.filter((signature, i) => !nodeAccepts("P-256", list[i]!, signature))).toEqual([]);
  });

  it("any batch of messages on any curve: every native signature verifies with node:crypto", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CURVE_NAMES),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        async (curve, list) => {
          const hash = NODE_HASH[ES_BY_CURVE[curve].hash];
          const digests = list.map((m) => new Uint8Array(createHash(hash).update(m).digest()));
          const signatures = fulfilled(await signBatch(ES_BY_CURVE[curve].name, EC_FIXTURES[curve], digests, { provider: "native" }));
          for (const [i, signature] of signatures.entries()) {
            expect(signature).toHaveLength(2 * CURVES[curve].scalarBytes);
            expect(nodeAccepts(curve, list[i]!, signature)).toBe(true);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("non-ECDSA algorithms answer per item too (HS256: one bad digest, one good)", async () => {
    const jwk = { kty: "oct", k: Buffer.alloc(32, 1).toString("base64url") };
    const results = await signBatch("HS256", jwk, [new Uint8Array(3), new Uint8Array(32)]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled"]);
  });
});
