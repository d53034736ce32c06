import { createHash, createPublicKey, verify as nodeVerify } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { generateKey, type JsonWebKey } from "../../src/crypto/index.js";
import { runMessage } from "../../src/workers/message.js";
import type { WorkerReply, WorkerTask } from "../../src/workers/task.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../helpers/keys.js";

/** The core's signBatch, counted: the digests of each call. */
const signBatchCalls = vi.hoisted(() => [] as Uint8Array[][]);
vi.mock("../../src/crypto/index.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/crypto/index.js")>();
  return {
    ...original,
    signBatch: (...args: Parameters<typeof original.signBatch>) => {
      signBatchCalls.push([...args[2]]);
      return original.signBatch(...args);
    },
  };
});

const message = (text: string): Buffer => Buffer.from(text);
const sha256 = (text: string): Uint8Array => new Uint8Array(createHash("sha256").update(text).digest());
const sha384 = (text: string): Uint8Array => new Uint8Array(createHash("sha384").update(text).digest());

function verifiesWith(jwk: JsonWebKey, hash: string, text: string, reply: WorkerReply | undefined): boolean {
  if (reply?.status !== "ok") return false;
  const { d: _d, ...publicJwk } = jwk;
  const key = createPublicKey({ key: publicJwk as never, format: "jwk" });
  return nodeVerify(hash, message(text), { key, dsaEncoding: "ieee-p1363" }, reply.value as Uint8Array);
}

describe("runMessage", () => {
  it("signs a message's ECDSA signs per key version and algorithm as one batch, each task with its own result or error", async () => {
    const other = await generateKey("EC", { crv: "P-256" });
    const keys: Record<string, JsonWebKey> = { "h/a/1": EC_FIXTURES["P-256"], "h/b/1": other, "h/c/1": EC_FIXTURES["P-384"] };
    const sign = (keyRef: string, algorithm: string, data: Uint8Array): WorkerTask => ({ operation: "sign", keyRef, algorithm, data });
    const tasks: WorkerTask[] = [
      sign("h/a/1", "ES256", sha256("one")),
      sign("h/b/1", "ES256", sha256("two")),
      sign("h/a/1", "ES256", new Uint8Array(20)),
      sign("h/missing/1", "ES256", sha256("three")),
      sign("h/a/1", "ES256", sha256("four")),
      sign("h/c/1", "ES384", sha384("five")),
      sign("h/a/1", "ES384", sha384("six")),
      { operation: "verify", keyRef: "h/a/1", algorithm: "ES256", data: sha256("one"), signature: new Uint8Array(64) },
      sign("h/b/1", "ES256", sha256("seven")),
      sign("h/a/1", "ES256", sha256("eight")),
    ];
    signBatchCalls.length = 0;
    const replies = await runMessage(tasks, (task) => keys[task.keyRef]);

    expect(replies).toHaveLength(tasks.length);
    expect(verifiesWith(EC_FIXTURES["P-256"], "sha256", "one", replies[0])).toBe(true);
    expect(verifiesWith(other, "sha256", "two", replies[1])).toBe(true);
    expect(replies[2]).toMatchObject({ status: "error", code: "BadParameter", field: "digest" });
    expect(replies[3]).toEqual({ status: "needKey" });
    expect(verifiesWith(EC_FIXTURES["P-256"], "sha256", "four", replies[4])).toBe(true);
    expect(verifiesWith(EC_FIXTURES["P-384"], "sha384", "five", replies[5])).toBe(true);
    // ES384 with a P-256 key fails alone, as one sign would.
    expect(replies[6]).toMatchObject({ status: "error", code: "BadParameter", field: "algorithm" });
    expect(replies[7]).toEqual({ status: "ok", value: Uint8Array.of(0) });
    expect(verifiesWith(other, "sha256", "seven", replies[8])).toBe(true);
    expect(verifiesWith(EC_FIXTURES["P-256"], "sha256", "eight", replies[9])).toBe(true);

    // One core call per (key version, algorithm): a's four ES256 digests together, b's two, c's one, a's ES384 one.
    expect(signBatchCalls.map((digests) => digests.length).sort()).toEqual([1, 1, 2, 4]);
    const signatures = replies.flatMap((reply) =>
      reply.status === "ok" && reply.value instanceof Uint8Array && reply.value.length === 64 ? [Buffer.from(reply.value)] : [],
    );
    expect(new Set(signatures.map((s) => s.toString("hex"))).size).toBe(signatures.length);
  });

  it("answers a ping and RSA signs (which the core signs one by one) in order, each with its own result", async () => {
    const keys: Record<string, JsonWebKey> = { "h/rsa/1": RSA_FIXTURES[2048] };
    const tasks: WorkerTask[] = [
      { operation: "ping", keyRef: "", algorithm: "", data: new Uint8Array(0) },
      { operation: "sign", keyRef: "h/rsa/1", algorithm: "PS256", data: sha256("rsa") },
      { operation: "sign", keyRef: "h/rsa/1", algorithm: "PS256", data: new Uint8Array(3) },
      { operation: "sign", keyRef: "h/rsa/1", algorithm: "RS256", data: sha256("rsa") },
    ];
    const replies = await runMessage(tasks, (task) => keys[task.keyRef]);
    expect(replies.map((reply) => reply.status)).toEqual(["ok", "ok", "error", "ok"]);
    const publicKey = createPublicKey({ key: RSA_FIXTURES[2048] as never, format: "jwk" });
    expect(nodeVerify("sha256", message("rsa"), publicKey, (replies[3] as { value: Uint8Array }).value)).toBe(true);
  });
});
