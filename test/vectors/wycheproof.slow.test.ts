/**
 * Generic Wycheproof runner: every file in ../shared/wycheproof/testvectors_v1
 * is dispatched by its `schema` (not its name) to an adapter that maps the
 * group's fields onto the crypto core's public API. Policies, stated once:
 * - `acceptable` cases must be rejected (we take the strict reading).
 * - Cases the API cannot express are asserted to be refused, and counted as
 *   skipped with the reason from NOT_APPLICABLE.
 * - RSA1_5 decryption uses implicit rejection: an invalid ciphertext must not
 *   raise a distinguishable error; it must yield the same pseudo-random
 *   message on every call and with every provider, and never the vector's msg.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import { ALGORITHMS, type AlgorithmSpec, type HashName } from "../../src/crypto/algorithms.js";
import { decrypt, encrypt, unwrapKey, verify, wrapKey } from "../../src/crypto/index.js";
import type { JsonWebKey } from "../../src/crypto/jwk.js";
import { PROVIDERS_BY_FAMILY } from "../../src/crypto/providers/index.js";
import { derSignatureToP1363 } from "./der.js";

const VECTOR_DIR = process.env["WYCHEPROOF_DIR"] ?? resolve(import.meta.dirname, "../../../shared/wycheproof/testvectors_v1");

/** Why a class of vectors cannot apply to the Key Vault API; each is asserted refused. */
const NOT_APPLICABLE = {
  rsaExponent: "RSA keys must have e = 65537 (SPEC section 4); keys with another exponent are refused at import",
  gcmIvSize: "AES-GCM takes exactly a 12-byte IV (SPEC section 4); other IV sizes are refused",
  gcmTagSize: "AES-GCM tags are 16 bytes; other tag sizes are refused",
  oaepLabel: "Key Vault RSA-OAEP takes no label; a ciphertext made with a label must fail to decrypt",
  noAlgorithm: "no Key Vault algorithm has these parameters; the vector's signature must not verify under ours",
} as const;

type Expectation = "accept" | "reject";
interface TestCase {
  tcId: number;
  result: "valid" | "invalid" | "acceptable";
  flags: string[];
  comment: string;
  [field: string]: unknown;
}
interface Group {
  tests: TestCase[];
  [field: string]: unknown;
}
interface Outcome {
  /** What the API did: accepted (valid result, exact bytes) or rejected. */
  result: Expectation;
  /** Set when the case cannot apply; the adapter has asserted the refusal. */
  notApplicable?: keyof typeof NOT_APPLICABLE;
}
type Adapter = (group: Group, test: TestCase, provider: string | undefined) => Promise<Outcome>;

const counts = { passed: 0, failed: 0, skipped: 0 };
const skippedReasons = new Map<string, number>();

const hex = (value: unknown): Uint8Array => new Uint8Array(Buffer.from(String(value ?? ""), "hex"));
const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const digestOf = (sha: unknown, msg: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(String(sha).replace("SHA-", "sha")).update(msg).digest());
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Runs `fn`; a KeyholdError means "rejected", anything else is a bug and propagates. */
async function rejects(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (error) {
    if (error instanceof KeyholdError) return true;
    throw error;
  }
}

function findAlgorithm(predicate: (spec: AlgorithmSpec) => boolean): AlgorithmSpec | undefined {
  return Object.values(ALGORITHMS).find(predicate);
}

const WYCHEPROOF_CURVES: Record<string, string> = { secp256r1: "P-256", secp256k1: "P-256K", secp384r1: "P-384", secp521r1: "P-521" };

function ecPublicJwk(group: Group): { jwk: JsonWebKey; alg?: AlgorithmSpec; scalarBytes: number } {
  const key = group["publicKey"] as { curve: string; wx: string; wy: string };
  const crv = WYCHEPROOF_CURVES[key.curve]!;
  const alg = findAlgorithm((s) => s.scheme === "ECDSA" && s.curve === crv && s.hash === group["sha"]);
  const size = { "P-256": 32, "P-256K": 32, "P-384": 48, "P-521": 66 }[crv]!;
  const coord = (v: string): string => b64u(hex(v.replace(/^(00)+/, "").padStart(size * 2, "0")));
  return { jwk: { kty: "EC", crv, x: coord(key.wx), y: coord(key.wy) }, alg, scalarBytes: size };
}

async function ecdsaVerify(
  group: Group,
  test: TestCase,
  provider: string | undefined,
  signature: Uint8Array | undefined,
): Promise<Outcome> {
  const { jwk, alg } = ecPublicJwk(group);
  if (alg === undefined) throw new Error(`no algorithm for ${JSON.stringify(group["publicKey"])} ${String(group["sha"])}`);
  if (signature === undefined) return { result: "reject" };
  const digest = digestOf(group["sha"], hex(test["msg"]));
  return { result: (await verify(alg.name, jwk, digest, signature, { provider })) ? "accept" : "reject" };
}

function rsaJwk(group: Group): JsonWebKey {
  const jwk = (group["keyJwk"] ?? group["publicKeyJwk"] ?? group["privateKeyJwk"]) as JsonWebKey | undefined;
  if (jwk !== undefined) return { ...jwk, alg: undefined };
  const key = group["publicKey"] as { modulus: string; publicExponent: string };
  return { kty: "RSA", n: b64u(hex(key.modulus.replace(/^(00)+/, ""))), e: b64u(hex(key.publicExponent)) };
}

/** An RSA key our import refuses by policy: every case must be refused with BadParameter on the key. */
async function refusedRsaKey(jwk: JsonWebKey): Promise<boolean> {
  return (
    Buffer.from(jwk.e ?? "", "base64url")
      .toString("hex")
      .replace(/^0+/, "") !== "10001"
  );
}

async function rsaSignatureVerify(group: Group, test: TestCase, provider: string | undefined, scheme: string): Promise<Outcome> {
  const jwk = rsaJwk(group);
  const hash = group["sha"] as HashName;
  const mgfOk =
    scheme !== "RSASSA-PSS" ||
    (group["mgfSha"] === hash && group["sLen"] === { "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 }[hash]);
  const alg = findAlgorithm((s) => s.scheme === scheme && s.hash === hash);
  const digest = digestOf(hash, hex(test["msg"]));
  const signature = hex(test["sig"]);
  if (await refusedRsaKey(jwk)) {
    const error = await verify(alg!.name, jwk, digest, signature, { provider }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyholdError);
    expect((error as KeyholdError).field).toBe("jwk.e");
    return { result: "reject", notApplicable: "rsaExponent" };
  }
  if (alg === undefined || !mgfOk) {
    if (alg !== undefined) expect(await verify(alg.name, jwk, digest, signature, { provider })).toBe(false);
    return { result: "reject", notApplicable: "noAlgorithm" };
  }
  return { result: (await verify(alg.name, jwk, digest, signature, { provider })) ? "accept" : "reject" };
}

const ADAPTERS: Record<string, { family: "rsa" | "ec" | "aes"; run: Adapter }> = {
  "ecdsa_verify_schema_v1.json": {
    family: "ec",
    run: (group, test, provider) =>
      ecdsaVerify(group, test, provider, derSignatureToP1363(hex(test["sig"]), ecPublicJwk(group).scalarBytes)),
  },
  "ecdsa_p1363_verify_schema_v1.json": {
    family: "ec",
    run: (group, test, provider) => ecdsaVerify(group, test, provider, hex(test["sig"])),
  },
  "rsassa_pkcs1_verify_schema_v1.json": {
    family: "rsa",
    run: (group, test, provider) => rsaSignatureVerify(group, test, provider, "RSASSA-PKCS1-v1_5"),
  },
  "rsassa_pss_verify_schema_v1.json": {
    family: "rsa",
    run: (group, test, provider) => rsaSignatureVerify(group, test, provider, "RSASSA-PSS"),
  },
  "rsaes_oaep_decrypt_schema_v1.json": {
    family: "rsa",
    async run(group, test, provider) {
      const jwk = rsaJwk(group);
      const alg = findAlgorithm((s) => s.scheme === "RSAES-OAEP" && s.hash === group["sha"] && group["mgfSha"] === group["sha"]);
      if (alg === undefined) throw new Error(`no OAEP algorithm for ${String(group["sha"])}/${String(group["mgfSha"])}`);
      const ciphertext = hex(test["ct"]);
      if (String(test["label"] ?? "") !== "") {
        expect(await rejects(() => decrypt(alg.name, jwk, ciphertext, { provider }))).toBe(true);
        return { result: "reject", notApplicable: "oaepLabel" };
      }
      let plaintext: Uint8Array;
      try {
        plaintext = await decrypt(alg.name, jwk, ciphertext, { provider });
      } catch (error) {
        if (!(error instanceof KeyholdError)) throw error;
        expect(error.code).toBe("CryptoFailure");
        return { result: "reject" };
      }
      return { result: same(plaintext, hex(test["msg"])) ? "accept" : "reject" };
    },
  },
  "rsaes_pkcs1_decrypt_schema_v1.json": {
    family: "rsa",
    async run(group, test, provider) {
      const jwk = rsaJwk(group);
      const ciphertext = hex(test["ct"]);
      let plaintext: Uint8Array;
      try {
        plaintext = await decrypt("RSA1_5", jwk, ciphertext, { provider });
      } catch (error) {
        if (!(error instanceof KeyholdError)) throw error;
        // Only public properties (length, value >= n) may produce an error.
        expect(error.code).toBe("CryptoFailure");
        return { result: "reject" };
      }
      if (same(plaintext, hex(test["msg"])) && test.result === "valid") return { result: "accept" };
      // Implicit rejection: deterministic, provider-independent, never the vector's message.
      for (const other of PROVIDERS_BY_FAMILY.rsa) {
        expect(same(await decrypt("RSA1_5", jwk, ciphertext, { provider: other }), plaintext)).toBe(true);
      }
      return { result: "reject" };
    },
  },
  "aead_test_schema_v1.json": {
    family: "aes",
    async run(group, test) {
      const alg = `A${String(group["keySize"])}GCM`;
      const jwk: JsonWebKey = { kty: "oct", k: b64u(hex(test["key"])) };
      const [iv, aad, msg, ct, tag] = [hex(test["iv"]), hex(test["aad"]), hex(test["msg"]), hex(test["ct"]), hex(test["tag"])];
      const notApplicable = group["ivSize"] !== 96 ? "gcmIvSize" : group["tagSize"] !== 128 ? "gcmTagSize" : undefined;
      if (notApplicable !== undefined) {
        const error = await decrypt(alg, jwk, ct, { iv, aad, tag }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(KeyholdError);
        expect((error as KeyholdError).code).toBe("BadParameter");
        return { result: "reject", notApplicable };
      }
      if (test.result === "valid") {
        const sealed = await encrypt(alg, jwk, msg, { iv, aad });
        if (!same(sealed.ciphertext, ct) || !same(sealed.tag!, tag)) return { result: "reject" };
      }
      if (await rejects(async () => expect(same(await decrypt(alg, jwk, ct, { iv, aad, tag }), msg)).toBe(true))) {
        return { result: "reject" };
      }
      return { result: "accept" };
    },
  },
  "ind_cpa_test_schema_v1.json": {
    family: "aes",
    async run(group, test) {
      const alg = `A${String(group["keySize"])}CBCPAD`;
      const jwk: JsonWebKey = { kty: "oct", k: b64u(hex(test["key"])) };
      const [iv, msg, ct] = [hex(test["iv"]), hex(test["msg"]), hex(test["ct"])];
      if (test.result === "valid" && !same((await encrypt(alg, jwk, msg, { iv })).ciphertext, ct)) return { result: "reject" };
      let plaintext: Uint8Array;
      try {
        plaintext = await decrypt(alg, jwk, ct, { iv });
      } catch (error) {
        if (!(error instanceof KeyholdError)) throw error;
        return { result: "reject" };
      }
      return { result: same(plaintext, msg) ? "accept" : "reject" };
    },
  },
  "keywrap_test_schema_v1.json": {
    family: "aes",
    async run(group, test) {
      const alg = `A${String(group["keySize"])}KW`;
      const jwk: JsonWebKey = { kty: "oct", k: b64u(hex(test["key"])) };
      const [msg, ct] = [hex(test["msg"]), hex(test["ct"])];
      if (test.result === "valid" && !same(await wrapKey(alg, jwk, msg), ct)) return { result: "reject" };
      let unwrapped: Uint8Array;
      try {
        unwrapped = await unwrapKey(alg, jwk, ct);
      } catch (error) {
        if (!(error instanceof KeyholdError)) throw error;
        return { result: "reject" };
      }
      return { result: same(unwrapped, msg) ? "accept" : "reject" };
    },
  },
};

const files = existsSync(VECTOR_DIR)
  ? readdirSync(VECTOR_DIR)
      .filter((name) => name.endsWith(".json"))
      .sort()
  : [];

describe("wycheproof", () => {
  it("finds the vector folder", () => {
    expect(files.length, `no vectors in ${VECTOR_DIR} (set WYCHEPROOF_DIR)`).toBeGreaterThan(0);
  });

  for (const file of files) {
    const suite = JSON.parse(readFileSync(join(VECTOR_DIR, file), "utf8")) as { schema: string; testGroups: Group[] };
    const adapter = ADAPTERS[suite.schema];
    it(`${file} has an adapter for its schema ${suite.schema}`, () => {
      expect(adapter, `schema ${suite.schema} is not supported by the runner`).toBeDefined();
    });
    if (adapter === undefined) continue;
    const providers = adapter.family === "aes" ? [undefined] : PROVIDERS_BY_FAMILY[adapter.family];
    for (const provider of providers) {
      it(`${file}${provider ? ` [${provider}]` : ""}`, async () => {
        const failures: string[] = [];
        for (const group of suite.testGroups) {
          for (const test of group.tests) {
            const expected: Expectation = test.result === "valid" ? "accept" : "reject";
            const outcome = await adapter.run(group, test, provider);
            if (outcome.notApplicable !== undefined && test.result === "valid") {
              counts.skipped++;
              skippedReasons.set(outcome.notApplicable, (skippedReasons.get(outcome.notApplicable) ?? 0) + 1);
            } else if (outcome.result === expected) {
              counts.passed++;
            } else {
              counts.failed++;
              failures.push(`tcId ${test.tcId} (${test.result}, ${test.comment}, flags ${test.flags.join("|")}): got ${outcome.result}`);
            }
          }
        }
        expect(failures).toEqual([]);
      });
    }
  }

  afterAll(() => {
    const reasons = [...skippedReasons].map(([key, n]) => `  skipped ${n}: ${NOT_APPLICABLE[key as keyof typeof NOT_APPLICABLE]}`);
    console.log([`wycheproof: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`, ...reasons].join("\n"));
  });
});
