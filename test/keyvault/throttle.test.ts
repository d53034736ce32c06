/**
 * Throttling as Key Vault does it (SPEC section 13): when the worker pool's queue is full, the REST door answers
 * 429 with `Retry-After` and Key Vault's error body, the gRPC door RESOURCE_EXHAUSTED, and the node keeps serving.
 * The node has one worker and a queue of one, so a burst of RSA-4096 signs (milliseconds each) overflows it.
 */
import { createHash } from "node:crypto";
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import type { RpcError } from "../integration/server.js";
import { RSA_FIXTURES } from "../helpers/keys.js";
import { rawRequest, vaultUrl, type RawResponse } from "./helpers.js";
import { startKeyVaultFixture, type KeyVaultFixture } from "./fixture.js";

let kv: KeyVaultFixture;
beforeAll(async () => {
  kv = await startKeyVaultFixture({ threads: 1, maxQueue: 1 });
  const { kty: _kty, ...members } = RSA_FIXTURES[4096];
  const imported = await rest("PUT", "/keys/busy", { key: { kty: "RSA-HSM", ...members } });
  expect(imported.status, imported.body).toBe(200);
});
afterAll(async () => {
  kv?.agent.destroy();
  await kv?.server.stop();
});

const DIGEST = createHash("sha256").update("throttle").digest();
const SIGN = { alg: "PS256", value: DIGEST.toString("base64url") };

function rest(method: string, path: string, body: unknown): Promise<RawResponse> {
  return rawRequest(kv.agent, `${vaultUrl(kv.server)}${path}?api-version=7.6`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${kv.officer}` },
    body: JSON.stringify(body),
  });
}

/** Bursts until one call is refused (a burst may fit on an idle moment), at most `rounds` times; returns every answer. */
async function burstUntilRefused<T>(call: () => Promise<T>, refused: (answer: T) => boolean, rounds = 10): Promise<T[]> {
  const answers: T[] = [];
  for (let round = 0; round < rounds && !answers.some(refused); round++) {
    answers.push(...(await Promise.all(Array.from({ length: 32 }, call))));
  }
  return answers;
}

describe("a full worker queue", () => {
  it("is 429 Throttled with Retry-After on the REST door, and the node serves the next call", async () => {
    const answers = await burstUntilRefused(
      () => rest("POST", "/keys/busy//sign", SIGN),
      (response) => response.status === 429,
    );
    const throttled = answers.filter((response) => response.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    // Every call either signed or was throttled: nothing else (no 500, no dropped connection).
    expect(answers.every((response) => response.status === 200 || response.status === 429)).toBe(true);
    for (const response of throttled) {
      expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(response.json()).toEqual({ error: { code: "Throttled", message: expect.stringMatching(/capacity.*retry/i) } });
    }
    expect((await rest("POST", "/keys/busy//sign", SIGN)).status).toBe(200);
  });

  it("is RESOURCE_EXHAUSTED (Throttled) on the gRPC door", async () => {
    const sign = () =>
      kv.server
        .call(kv.server.crypto, CryptoService, "sign", { name: "busy", algorithm: "PS256", digest: DIGEST }, kv.server.metadata(kv.officer))
        .then(
          () => "OK",
          (error: RpcError) => `${error.code}/${error.errorCode}`,
        );
    const answers = await burstUntilRefused(sign, (answer) => answer !== "OK");
    expect(answers).toContain(`${grpcStatus.RESOURCE_EXHAUSTED}/Throttled`);
    expect(answers.every((answer) => answer === "OK" || answer === `${grpcStatus.RESOURCE_EXHAUSTED}/Throttled`)).toBe(true);
  });
});
