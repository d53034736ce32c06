/**
 * The pool's byte fields, whatever their size and wherever they live. A caller's fields often share one
 * ArrayBuffer (the decoded gRPC message, or Node's pool of small Buffers, which the rest of the process still
 * uses); the pool once moved views of it to the worker, so a Verify with a 4 KiB signature failed with
 * "DataCloneError: Transfer list contains duplicate ArrayBuffer" (INTERNAL), and a pooled Buffer was detached
 * under everyone else. Every operation the pool runs (sign, verify, decrypt and unwrapKey; encrypt and wrap are
 * public-key work and never reach it, see src/hsm/keys/placement.ts) is driven here with fields of 0 to 64 KiB,
 * alone and together, fresh, from Node's pool, and carved out of one buffer: the answer is a result,
 * BadParameter or CryptoFailure, never InternalError, and the caller's bytes stay as they were.
 */
import { constants, createCipheriv, createHash, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64Url } from "../../src/crypto/bytes.js";
import type { JsonWebKey } from "../../src/crypto/index.js";
import { KeyholdError } from "../../src/errors.js";
import { CryptoPool } from "../../src/workers/pool.js";
import type { PrivateOperation } from "../../src/workers/task.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../helpers/keys.js";
import { nodePrivateKey } from "../helpers/node-keys.js";

const AES_KEY = randomBytes(32);
const KEYS: Record<string, JsonWebKey> = {
  rsa: RSA_FIXTURES[2048],
  p256: EC_FIXTURES["P-256"],
  p521: EC_FIXTURES["P-521"],
  aes: { kty: "oct", k: toBase64Url(AES_KEY) },
};

type Field = "data" | "signature" | "iv" | "aad" | "tag";

/** One kind of task: the fields it carries and the length each should have to get past the length checks. */
interface Case {
  readonly operation: Exclude<PrivateOperation, "ping">;
  readonly keyRef: string;
  readonly algorithm: string;
  readonly fields: Partial<Record<Field, number>>;
}

const CASES: readonly Case[] = [
  { operation: "sign", keyRef: "rsa", algorithm: "PS256", fields: { data: 32 } },
  { operation: "sign", keyRef: "rsa", algorithm: "RS512", fields: { data: 64 } },
  { operation: "sign", keyRef: "p256", algorithm: "ES256", fields: { data: 32 } },
  { operation: "sign", keyRef: "p521", algorithm: "ES512", fields: { data: 64 } },
  { operation: "sign", keyRef: "aes", algorithm: "HS256", fields: { data: 32 } },
  { operation: "verify", keyRef: "rsa", algorithm: "PS256", fields: { data: 32, signature: 256 } },
  { operation: "verify", keyRef: "rsa", algorithm: "RS256", fields: { data: 32, signature: 256 } },
  { operation: "verify", keyRef: "p256", algorithm: "ES256", fields: { data: 32, signature: 64 } },
  { operation: "verify", keyRef: "p521", algorithm: "ES512", fields: { data: 64, signature: 132 } },
  { operation: "verify", keyRef: "aes", algorithm: "HS256", fields: { data: 32, signature: 32 } },
  { operation: "decrypt", keyRef: "rsa", algorithm: "RSA-OAEP-256", fields: { data: 256 } },
  { operation: "decrypt", keyRef: "rsa", algorithm: "RSA1_5", fields: { data: 256, iv: 12 } },
  { operation: "decrypt", keyRef: "aes", algorithm: "A256GCM", fields: { data: 32, iv: 12, aad: 16, tag: 16 } },
  { operation: "decrypt", keyRef: "aes", algorithm: "A256CBCPAD", fields: { data: 32, iv: 16 } },
  { operation: "unwrapKey", keyRef: "rsa", algorithm: "RSA-OAEP", fields: { data: 256 } },
  { operation: "unwrapKey", keyRef: "aes", algorithm: "A256KW", fields: { data: 40 } },
  { operation: "unwrapKey", keyRef: "aes", algorithm: "CKM_AES_KEY_WRAP_PAD", fields: { data: 24 } },
];

const MAX = 64 * 1024;
/** The right length half the time (to get past the length checks), otherwise any size up to 64 KiB, edges often. */
const size = (right: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(right) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, right - 1, right + 1, 4095, 4096, 4097, 8192, MAX - 1, MAX) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: MAX }) },
  );

interface Request {
  readonly kase: Case;
  readonly sizes: Partial<Record<Field, number>>;
}

const request: fc.Arbitrary<Request> = fc
  .constantFrom(...CASES)
  .chain((kase) =>
    fc
      .record(
        Object.fromEntries(
          Object.entries(kase.fields).map(([field, right]) => [
            field,
            field === "data" ? size(right) : fc.option(size(right), { nil: undefined }),
          ]),
        ) as Record<string, fc.Arbitrary<number | undefined>>,
      )
      .map((sizes) => ({ kase, sizes: sizes as Partial<Record<Field, number>> })),
  );

/** Where the fields' bytes live; the last three put several fields (of several tasks) on one ArrayBuffer. */
type Layout = "fresh" | "node-pool" | "one-buffer" | "one-uint8array" | "overlapping";
const LAYOUTS: readonly Layout[] = ["fresh", "node-pool", "one-buffer", "one-uint8array", "overlapping"];

function fill(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed + i * 131) & 0xff;
}

/** The requests' fields laid out as `layout` says, in request order. */
function place(layout: Layout, lengths: number[], seed: number): Uint8Array[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  switch (layout) {
    case "fresh":
      return lengths.map((n, i) => {
        const bytes = new Uint8Array(n);
        fill(bytes, seed + i);
        return bytes;
      });
    case "node-pool":
      // Buffer.from copies into Node's shared pool when the length is under Buffer.poolSize / 2.
      return lengths.map((n, i) => {
        const bytes = new Uint8Array(n);
        fill(bytes, seed + i);
        return Buffer.from(bytes);
      });
    case "one-buffer":
    case "one-uint8array": {
      // allocUnsafe takes from Node's pool too when the whole is small; a gap of 3 bytes keeps offsets odd.
      const whole =
        layout === "one-buffer" ? Buffer.allocUnsafe(total + 3 * lengths.length + 1) : new Uint8Array(total + 3 * lengths.length + 1);
      fill(whole, seed);
      let offset = 1;
      return lengths.map((n) => {
        const view = whole.subarray(offset, offset + n);
        offset += n + 3;
        return view;
      });
    }
    case "overlapping": {
      const whole = Buffer.allocUnsafe(Math.max(0, ...lengths));
      fill(whole, seed);
      return lengths.map((n) => whole.subarray(0, n));
    }
  }
}

let pools: Record<string, CryptoPool>;
beforeAll(async () => {
  const loadKey = async (ref: string) => KEYS[ref] ?? Promise.reject(new KeyholdError("KeyNotFound", ref));
  const [native, portable] = await Promise.all([
    CryptoPool.start({ threads: 2, loadKey, providers: { rsa: "native", ec: "native" } }),
    CryptoPool.start({ threads: 1, loadKey, providers: { rsa: "wasm", ec: "noble" } }),
  ]);
  pools = { native, portable };
});
afterAll(async () => {
  await Promise.all(Object.values(pools ?? {}).map((pool) => pool.close()));
});

type Outcome = { ok: Uint8Array } | { code: string; field: string | undefined };

async function outcome(promise: Promise<Uint8Array>): Promise<Outcome> {
  try {
    return { ok: await promise };
  } catch (error) {
    if (!(error instanceof KeyholdError)) return { code: `not a KeyholdError: ${String(error)}`, field: undefined };
    return { code: error.code, field: error.field };
  }
}

describe.each(["native", "portable"])("CryptoPool byte fields (%s providers)", (providers) => {
  const pool = (): CryptoPool => pools[providers]!;

  it("answers every operation with fields of 0 to 64 KiB, alone and sharing buffers, without InternalError or touching the caller's bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...LAYOUTS),
        fc.nat(255),
        async (requests, layout, seed) => {
          const named = requests.flatMap((r, i) =>
            Object.entries(r.sizes).flatMap(([field, n]) => (n === undefined ? [] : [{ i, field: field as Field, n }])),
          );
          const views = place(
            layout,
            named.map((f) => f.n),
            seed,
          );
          const before = views.map((v) => Buffer.from(v));
          const tasks = requests.map((r, i) => {
            const task: Record<string, unknown> = { operation: r.kase.operation, keyRef: r.kase.keyRef, algorithm: r.kase.algorithm };
            named.forEach((f, j) => {
              if (f.i === i) task[f.field] = views[j];
            });
            return task as unknown as Parameters<CryptoPool["run"]>[0];
          });
          const outcomes = await Promise.all(tasks.map((task) => outcome(pool().run(task) as Promise<Uint8Array>)));

          requests.forEach((r, i) => {
            const result = outcomes[i]!;
            const label = `${r.kase.operation} ${r.kase.algorithm} ${JSON.stringify(r.sizes)} ${layout}`;
            if ("ok" in result) {
              expect(result.ok, label).toBeInstanceOf(Uint8Array);
              if (r.kase.operation === "verify" && r.sizes.signature !== r.kase.fields.signature)
                expect([...result.ok], label).toEqual([0]);
            } else {
              expect(["BadParameter", "CryptoFailure"], `${label}: ${result.code}`).toContain(result.code);
            }
            // A well-formed sign is answered with a signature; a misfit digest is refused by name.
            if (r.kase.operation === "sign") {
              if (r.sizes.data === r.kase.fields.data) expect("ok" in result, label).toBe(true);
              else expect(result, label).toMatchObject({ code: "BadParameter", field: "digest" });
            }
          });
          // The caller's views (and whatever shares their buffer) are neither detached nor changed.
          views.forEach((view, j) => expect(Buffer.from(view).equals(before[j]!)).toBe(true));
          expect(Buffer.from("Node's buffer pool still works").toString()).toBe("Node's buffer pool still works");
        },
      ),
      { numRuns: providers === "native" ? 150 : 60 },
    );
  });

  it("verifies and decrypts correctly when digest and signature, or ciphertext, iv, aad and tag, share one buffer", async () => {
    const digest = createHash("sha256").update("shared buffers").digest();
    const signatures = {
      PS256: await pool().run({ operation: "sign", keyRef: "rsa", algorithm: "PS256", data: digest }),
      ES256: await pool().run({ operation: "sign", keyRef: "p256", algorithm: "ES256", data: digest }),
    };
    const rsaPublic = createPublicKey(nodePrivateKey(KEYS.rsa!));
    const ciphertext = publicEncrypt(
      { key: rsaPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
      Buffer.from("secret"),
    );
    const iv = randomBytes(12);
    const aad = Buffer.from("context");
    const cipher = createCipheriv("aes-256-gcm", AES_KEY, iv).setAAD(aad);
    const sealed = Buffer.concat([cipher.update("sealed"), cipher.final()]);
    const tag = cipher.getAuthTag();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LAYOUTS.filter((l) => l !== "overlapping")), fc.nat(4096), async (layout, padding) => {
        // Copy the real bytes into the layout's views, with `padding` bytes of other data ahead of them.
        const carve = (parts: Uint8Array[]): Uint8Array[] => {
          const views = place(layout, [padding, ...parts.map((p) => p.length)], padding).slice(1);
          views.forEach((view, i) => view.set(parts[i]!));
          return views;
        };
        for (const [algorithm, keyRef] of [
          ["PS256", "rsa"],
          ["ES256", "p256"],
        ] as const) {
          const [data, signature] = carve([digest, signatures[algorithm]]);
          expect([...(await pool().run({ operation: "verify", keyRef, algorithm, data: data!, signature: signature! }))]).toEqual([1]);
        }
        const [rsaData] = carve([ciphertext]);
        expect(
          Buffer.from(await pool().run({ operation: "decrypt", keyRef: "rsa", algorithm: "RSA-OAEP-256", data: rsaData! })).toString(),
        ).toBe("secret");
        const [gcmData, gcmIv, gcmAad, gcmTag] = carve([sealed, iv, aad, tag]);
        const opened = await pool().run({
          operation: "decrypt",
          keyRef: "aes",
          algorithm: "A256GCM",
          data: gcmData!,
          iv: gcmIv!,
          aad: gcmAad!,
          tag: gcmTag!,
        });
        expect(Buffer.from(opened).toString()).toBe("sealed");
      }),
      { numRuns: 20 },
    );
    expect(
      nodeVerify(
        "sha256",
        Buffer.from("shared buffers"),
        { key: rsaPublic, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signatures.PS256,
      ),
    ).toBe(true);
  });

  it.each([4096, 65536])(
    "answers a Verify with a %i-byte signature that shares the digest's buffer with valid: false or BadParameter",
    async (length) => {
      for (const [keyRef, algorithm] of [
        ["rsa", "PS256"],
        ["rsa", "RS256"],
        ["p256", "ES256"],
      ] as const) {
        const message = Buffer.alloc(32 + length, 7);
        const result = await outcome(
          pool().run({ operation: "verify", keyRef, algorithm, data: message.subarray(0, 32), signature: message.subarray(32) }),
        );
        if ("ok" in result) expect([...result.ok]).toEqual([0]);
        else expect(result).toMatchObject({ code: "BadParameter" });
      }
    },
  );
});
