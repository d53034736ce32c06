/**
 * keyCrypto (src/hsm/keys/placement.ts): a key pair's private-key work goes to the pool as one task per call,
 * with the caller's signal; a symmetric key's runs on this thread with its secret; encrypt and wrap never reach
 * the pool; verify answers a boolean wherever it ran. The pool here records tasks and runs them with the same
 * perform() the workers use, so the answers are real.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../../src/crypto/bytes.js";
import { publicJwk, sign, type JsonWebKey, type KeyType } from "../../../src/crypto/index.js";
import { createKeyCrypto } from "../../../src/hsm/keys/placement.js";
import type { UsableVersion } from "../../../src/hsm/keys/key-service.js";
import { perform, type KeyTask } from "../../../src/workers/perform.js";
import type { CryptoPool, RunOptions } from "../../../src/workers/pool.js";
import type { AnswerOf, PoolTask } from "../../../src/workers/task.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";

const SECRET: JsonWebKey = { kty: "oct", k: toBase64Url(randomBytes(32)) };
const PRIVATE: Record<string, JsonWebKey> = { rsa: RSA_FIXTURES[2048], ec: EC_FIXTURES["P-256"], oct: SECRET };
const digest = new Uint8Array(createHash("sha256").update("placement").digest());

function versionOf(keyRef: "rsa" | "ec" | "oct", family: KeyType): UsableVersion {
  const stored = family === "oct" ? { kty: "oct" } : publicJwk(PRIVATE[keyRef]!);
  return {
    keyRef,
    family,
    kid: `https://hsm/keys/${keyRef}/v1`,
    record: { publicJwk: JSON.stringify(stored) },
  } as unknown as UsableVersion;
}

function harness(threads?: number) {
  const tasks: { task: PoolTask; signal: RunOptions["signal"] }[] = [];
  const secretsOpened: string[] = [];
  const pool = {
    async run<T extends PoolTask, A>(task: T, options: RunOptions = {}, read?: (answer: AnswerOf<T>) => A): Promise<AnswerOf<T> | A> {
      tasks.push({ task, signal: options.signal });
      const answer = await perform(task as T & KeyTask, PRIVATE[task.keyRef]!);
      return read === undefined ? answer : read(answer);
    },
    ...(threads === undefined ? {} : { threads }),
  } as Pick<CryptoPool, "run"> & Partial<Pick<CryptoPool, "threads">>;
  const openedKeys = {
    async privateJwk(keyRef: string): Promise<JsonWebKey> {
      secretsOpened.push(keyRef);
      return PRIVATE[keyRef]!;
    },
    publicJwk: (_keyRef: string, stored: string): JsonWebKey => JSON.parse(stored) as JsonWebKey,
  };
  return { keyCrypto: createKeyCrypto({ pool, openedKeys }), tasks, secretsOpened };
}

describe("keyCrypto", () => {
  it.each([
    ["rsa", "RSA", "PS256"],
    ["ec", "EC", "ES256"],
  ] as const)(
    "sends %s private-key work to the pool with the caller's signal, and verify answers a boolean",
    async (keyRef, family, algorithm) => {
      const { keyCrypto, tasks, secretsOpened } = harness();
      const version = versionOf(keyRef, family);
      const signal = new AbortController().signal;
      const signature = await keyCrypto.sign(version, algorithm, digest, signal);
      expect(await keyCrypto.verify(version, algorithm, digest, signature, signal)).toBe(true);
      expect(
        await keyCrypto.verify(
          version,
          algorithm,
          digest,
          signature.map((b, i) => (i === 0 ? b ^ 1 : b)),
        ),
      ).toBe(false);
      expect(tasks.map(({ task }) => task.operation)).toEqual(["sign", "verify", "verify"]);
      expect(tasks.map(({ signal: s }) => s)).toEqual([signal, signal, undefined]);
      expect(secretsOpened).toEqual([]);
    },
  );

  it("decrypts and unwraps RSA in the pool; encrypts and wraps with the public key here", async () => {
    const { keyCrypto, tasks, secretsOpened } = harness();
    const version = versionOf("rsa", "RSA");
    const { ciphertext } = await keyCrypto.encrypt(version, "RSA-OAEP-256", Buffer.from("secret"), {});
    expect(Buffer.from(await keyCrypto.decrypt(version, "RSA-OAEP-256", ciphertext, {})).toString()).toBe("secret");
    const dek = randomBytes(32);
    const wrapped = await keyCrypto.wrapKey(version, "RSA-OAEP", dek);
    expect(Buffer.from(await keyCrypto.unwrapKey(version, "RSA-OAEP", wrapped)).equals(dek)).toBe(true);
    expect(tasks.map(({ task }) => task.operation)).toEqual(["decrypt", "unwrapKey"]);
    expect(secretsOpened).toEqual([]);
  });

  it("runs every operation of a symmetric key here, with its secret, and never reaches the pool", async () => {
    const { keyCrypto, tasks, secretsOpened } = harness();
    const version = versionOf("oct", "oct");
    const signature = await keyCrypto.sign(version, "HS256", digest);
    expect(signature).toEqual(await sign("HS256", SECRET, digest));
    expect(await keyCrypto.verify(version, "HS256", digest, signature)).toBe(true);
    expect(await keyCrypto.verify(version, "HS256", digest, new Uint8Array(32))).toBe(false);
    const aad = Buffer.from("context");
    const sealed = await keyCrypto.encrypt(version, "A256GCM", Buffer.from("sealed"), { aad });
    expect(
      Buffer.from(await keyCrypto.decrypt(version, "A256GCM", sealed.ciphertext, { iv: sealed.iv, aad, tag: sealed.tag })).toString(),
    ).toBe("sealed");
    const dek = randomBytes(32);
    const wrapped = await keyCrypto.wrapKey(version, "A256KW", dek);
    expect(Buffer.from(await keyCrypto.unwrapKey(version, "A256KW", wrapped)).equals(dek)).toBe(true);
    expect(tasks).toEqual([]);
    expect(secretsOpened).toEqual(["oct", "oct", "oct", "oct", "oct", "oct", "oct"]);
  });

  it.each([
    [1, 1],
    [3, 1],
    [8, 2],
    [1000, 2],
  ])("sends a batch of %i items to a 2-thread pool as %i task(s), answering each item in order", async (count, chunks) => {
    const { keyCrypto, tasks } = harness(2);
    const version = versionOf("ec", "EC");
    const digests = Array.from({ length: count }, (_, i) => (i === 1 ? new Uint8Array(31) : digest));
    const results = await keyCrypto.signBatch(version, "ES256", digests);
    expect(tasks.map(({ task }) => task.operation)).toEqual(Array(chunks).fill("signBatch"));
    expect(results.map((r) => (r.status === "ok" ? "ok" : r.code))).toEqual(digests.map((d) => (d.length === 32 ? "ok" : "BadParameter")));
    const signatures = results.flatMap((r) => (r.status === "ok" ? [r.value] : []));
    const verdicts = await keyCrypto.verifyBatch(
      version,
      "ES256",
      signatures.map((signature, i) => ({ digest, signature: i === 0 ? signature.map((b) => b ^ 1) : signature })),
    );
    expect(verdicts.map((v) => (v.status === "ok" ? v.value : v.code))).toEqual(signatures.map((_, i) => i !== 0));
  });

  it("runs a symmetric key's batch here, in one piece, and never reaches the pool", async () => {
    const { keyCrypto, tasks } = harness(2);
    const version = versionOf("oct", "oct");
    const results = await keyCrypto.signBatch(version, "HS256", [
      digest,
      new Uint8Array(5),
      digest,
      digest,
      digest,
      digest,
      digest,
      digest,
    ]);
    expect(results.map((r) => r.status)).toEqual(["ok", "error", "ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(results[0]).toEqual({ status: "ok", value: await sign("HS256", SECRET, digest) });
    expect(tasks).toEqual([]);
  });
});
