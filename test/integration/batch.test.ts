/**
 * CryptoService.SignBatch and VerifyBatch over the wire (SPEC section 3): one key version and one algorithm, 1 to
 * 1,000 items, each answered with its own result or its own error code; the call is authorized and audited once,
 * naming the item count and the failures. node:crypto verifies every signature independently.
 */
import {
  constants,
  createHash,
  createPublicKey,
  randomBytes,
  randomUUID,
  verify as nodeVerify,
  type JsonWebKey as NodeJwk,
  type KeyObject,
} from "node:crypto";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { create } from "@bufbuild/protobuf";
import { CryptoService, StreamRequestSchema, type StreamResponse } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import type { KeyBundle } from "../../src/gen/keyhold/v1/keys_pb.js";
import { startTestServer, type RpcError, type TestServer } from "./server.js";

interface SignResult {
  signature: Uint8Array;
  code: number;
  errorCode: string;
  message: string;
}
interface VerifyResult {
  valid: boolean;
  code: number;
  errorCode: string;
  message: string;
}

let server: TestServer;
let adminToken: string;
/** Creates, disables and enables the keys. */
let officerToken: string;
let userToken: string;
const publicKeys = new Map<string, KeyObject>();

const sha256 = (data: string) => new Uint8Array(createHash("sha256").update(data).digest());

function nodePublicKey(bundle: KeyBundle): KeyObject {
  const jwk = bundle.key!;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  const json: NodeJwk = jwk.kty.startsWith("RSA")
    ? { kty: "RSA", n: b64(jwk.n), e: b64(jwk.e) }
    : { kty: "EC", crv: jwk.crv, x: b64(jwk.x), y: b64(jwk.y) };
  return createPublicKey({ key: json, format: "jwk" });
}

const nodeOptions = (algorithm: string, key: KeyObject) =>
  algorithm === "ES256" ? { key, dsaEncoding: "ieee-p1363" as const } : { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

const signBatch = (request: Record<string, unknown>, token = userToken, requestId?: string) =>
  server.call(server.crypto, CryptoService, "signBatch", request, server.metadata(token, undefined, requestId)) as unknown as Promise<{
    kid: string;
    results: SignResult[];
  }>;
const verifyBatch = (request: Record<string, unknown>, token = userToken, requestId?: string) =>
  server.call(server.crypto, CryptoService, "verifyBatch", request, server.metadata(token, undefined, requestId)) as unknown as Promise<{
    kid: string;
    results: VerifyResult[];
  }>;
const failure = (promise: Promise<unknown>): Promise<RpcError> =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: RpcError) => error,
  );

beforeAll(async () => {
  server = await startTestServer({ threads: 2 });
  adminToken = await server.token(server.admin);
  const officer = await server.user("batch-officer");
  for (const role of [MANAGED_HSM_CRYPTO_USER.id, MANAGED_HSM_CRYPTO_OFFICER.id]) {
    await server.call(
      server.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/", roleDefinitionId: role, principalId: officer.id },
      server.metadata(adminToken),
    );
  }
  officerToken = await server.token(officer);
  const user = await server.user("batch-user");
  for (const key of ["batch-ec", "batch-rsa", "batch-aes"]) {
    await server.call(
      server.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: `/keys/${key}`, name: randomUUID(), roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: user.id },
      server.metadata(adminToken),
    );
  }
  userToken = await server.token(user);
  for (const [name, params] of [
    ["batch-ec", { kty: "EC", crv: "P-256" }],
    ["batch-rsa", { kty: "RSA", keySize: 2048 }],
    ["batch-aes", { kty: "oct-HSM", keySize: 256 }],
  ] as const) {
    const { key } = (await server.call(
      server.keys,
      KeyService,
      "createKey",
      { name, ...params },
      server.metadata(officerToken),
    )) as unknown as {
      key: KeyBundle;
    };
    if (name !== "batch-aes") publicKeys.set(name, nodePublicKey(key));
  }
}, 60_000);
afterAll(async () => server?.stop());

describe("SignBatch and VerifyBatch", () => {
  it.each([
    ["ES256", "batch-ec", 1],
    ["ES256", "batch-ec", 1000],
    ["PS256", "batch-rsa", 1],
    ["PS256", "batch-rsa", 1000],
  ])(
    "%s signs %s x%i: every signature verifies with node:crypto and with VerifyBatch",
    async (algorithm, name, count) => {
      const messages = Array.from({ length: count }, (_, i) => `${algorithm} item ${i} ${randomUUID()}`);
      const { kid, results } = await signBatch({ name, algorithm, digests: messages.map(sha256) });
      expect(kid).toMatch(new RegExp(`/keys/${name}/[0-9a-f]{32}$`));
      expect(results).toHaveLength(count);
      const key = publicKeys.get(name)!;
      results.forEach((result, i) => {
        expect(result.code, `item ${i}: ${result.message}`).toBe(0);
        expect(nodeVerify("sha256", Buffer.from(messages[i]!), nodeOptions(algorithm, key), result.signature), `item ${i}`).toBe(true);
      });

      // The same signatures verify in a batch; a signature over another item's digest does not.
      const items = messages.map((m, i) => ({
        digest: sha256(m),
        signature: results[(i + (count > 1 && i === 0 ? 1 : 0)) % count]!.signature,
      }));
      const verified = await verifyBatch({ name, algorithm, items });
      expect(verified.results.map((r) => [r.code, r.valid])).toEqual(messages.map((_, i) => [0, !(count > 1 && i === 0)]));
    },
    60_000,
  );

  it("answers a bad item with its own BadParameter, the good ones with their signatures, and audits the call once", async () => {
    const requestId = randomUUID();
    const digests = [sha256("a"), new Uint8Array(31), sha256("b"), new Uint8Array(48), new Uint8Array(0), sha256("c")];
    const { results } = await signBatch({ name: "batch-ec", algorithm: "ES256", digests }, userToken, requestId);
    expect(results.map((r) => [r.code, r.errorCode])).toEqual([
      [0, ""],
      [status.INVALID_ARGUMENT, "BadParameter"],
      [0, ""],
      [status.INVALID_ARGUMENT, "BadParameter"],
      [status.INVALID_ARGUMENT, "BadParameter"],
      [0, ""],
    ]);
    for (const i of [0, 2, 5]) {
      const message = ["a", "", "b", "", "", "c"][i]!;
      expect(nodeVerify("sha256", Buffer.from(message), nodeOptions("ES256", publicKeys.get("batch-ec")!), results[i]!.signature)).toBe(
        true,
      );
    }
    expect(results[1]!.message).not.toBe("");

    const verifyId = randomUUID();
    const verified = await verifyBatch(
      {
        name: "batch-ec",
        algorithm: "ES256",
        items: [
          { digest: sha256("a"), signature: results[0]!.signature },
          { digest: new Uint8Array(20), signature: results[0]!.signature },
          { digest: sha256("b"), signature: results[0]!.signature },
        ],
      },
      userToken,
      verifyId,
    );
    expect(verified.results.map((r) => r.valid)).toEqual([true, false, false]);
    expect(verified.results[0]!.code).toBe(0);
    expect(verified.results[2]!.code).toBe(0);

    const events = await server.events("hsm-a");
    const records = events.filter((event) => event.correlationId === requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      operationName: "KeySignBatch",
      resultType: "Success",
      properties: { keyName: "batch-ec", algorithm: "ES256", itemCount: "6", failedItems: "3", failedCodes: "BadParameter:3" },
    });
    const verifyRecords = events.filter((event) => event.correlationId === verifyId);
    expect(verifyRecords).toHaveLength(1);
    expect(verifyRecords[0]).toMatchObject({ operationName: "KeyVerifyBatch", properties: { itemCount: "3" } });
    // Never a digest or signature in the journal.
    expect(await server.journalBytes()).not.toContain(Buffer.from(results[0]!.signature).toString("base64"));
  });

  it("refuses 0 and 1,001 items with INVALID_ARGUMENT naming the field, audited once", async () => {
    for (const count of [0, 1001]) {
      const requestId = randomUUID();
      const digests = Array.from({ length: count }, () => sha256("x"));
      const error = await failure(signBatch({ name: "batch-ec", algorithm: "ES256", digests }, userToken, requestId));
      expect([error.code, error.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);
      expect(error.details).toMatch(/digests/);
      const verifyError = await failure(
        verifyBatch({
          name: "batch-ec",
          algorithm: "ES256",
          items: Array.from({ length: count }, () => ({ digest: sha256("x"), signature: new Uint8Array(64) })),
        }),
      );
      expect([verifyError.code, verifyError.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);
      expect(verifyError.details).toMatch(/items/);
      const records = (await server.events()).filter((event) => event.correlationId === requestId);
      expect(records).toHaveLength(1);
      // Refused at decode, before the caller is authenticated: one failure record with the error code.
      expect(records[0]).toMatchObject({ resultType: "Failure", properties: { errorCode: "BadParameter" } });
    }
  });

  it("takes an RBAC revocation and a key disable into account on the very next batch call", async () => {
    const user = await server.user("batch-revoked");
    const assignment = randomUUID();
    await server.call(
      server.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/keys/batch-ec", name: assignment, roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: user.id },
      server.metadata(adminToken),
    );
    const token = await server.token(user);
    const request = { name: "batch-ec", algorithm: "ES256", digests: [sha256("1"), sha256("2")] };
    expect((await signBatch(request, token)).results.map((r) => r.code)).toEqual([0, 0]);
    await server.call(
      server.access,
      AccessControlService,
      "deleteRoleAssignment",
      { scope: "/keys/batch-ec", name: assignment },
      server.metadata(adminToken),
    );
    const denied = await failure(signBatch(request, token));
    expect([denied.code, denied.errorCode]).toEqual([status.PERMISSION_DENIED, "ForbiddenByRbac"]);
    expect(denied.details).toContain("keys/sign/action");

    expect((await signBatch(request)).results.map((r) => r.code)).toEqual([0, 0]);
    await server.call(
      server.keys,
      KeyService,
      "updateKey",
      { name: "batch-ec", attributes: { enabled: false } },
      server.metadata(officerToken),
    );
    try {
      const disabled = await failure(signBatch(request));
      expect(disabled.code).toBe(status.FAILED_PRECONDITION);
      const verifyDisabled = await failure(
        verifyBatch({ name: "batch-ec", algorithm: "ES256", items: [{ digest: sha256("1"), signature: new Uint8Array(64) }] }),
      );
      expect(verifyDisabled.code).toBe(status.FAILED_PRECONDITION);
    } finally {
      await server.call(
        server.keys,
        KeyService,
        "updateKey",
        { name: "batch-ec", attributes: { enabled: true } },
        server.metadata(officerToken),
      );
    }
  });

  it("wraps and unwraps keys in batches; an unwrap failure is that item's fixed CryptoFailure, audited with its code", async () => {
    const keys = [randomBytes(32), randomBytes(16), randomBytes(32)];
    const wrapped = (await server.call(
      server.crypto,
      CryptoService,
      "wrapKeyBatch",
      { name: "batch-rsa", algorithm: "RSA-OAEP-256", keys },
      server.metadata(userToken),
    )) as unknown as { kid: string; results: { wrappedKey: Uint8Array; code: number }[] };
    expect(wrapped.results.map((r) => r.code)).toEqual([0, 0, 0]);
    const tampered = Uint8Array.from(wrapped.results[1]!.wrappedKey, (b, i) => (i === 7 ? b ^ 1 : b));
    const requestId = randomUUID();
    const unwrapped = (await server.call(
      server.crypto,
      CryptoService,
      "unwrapKeyBatch",
      {
        name: "batch-rsa",
        algorithm: "RSA-OAEP-256",
        wrappedKeys: [wrapped.results[0]!.wrappedKey, tampered, wrapped.results[2]!.wrappedKey, new Uint8Array(5)],
      },
      server.metadata(userToken, undefined, requestId),
    )) as unknown as { results: { key: Uint8Array; code: number; errorCode: string; message: string }[] };
    expect(unwrapped.results.map((r) => [r.code, r.errorCode])).toEqual([
      [0, ""],
      [status.INVALID_ARGUMENT, "CryptoFailure"],
      [0, ""],
      [status.INVALID_ARGUMENT, "CryptoFailure"],
    ]);
    // One fixed message whatever went wrong: no padding oracle.
    expect(unwrapped.results[1]!.message).toBe(unwrapped.results[3]!.message);
    expect(Buffer.from(unwrapped.results[0]!.key).equals(keys[0]!)).toBe(true);
    expect(Buffer.from(unwrapped.results[2]!.key).equals(keys[2]!)).toBe(true);
    const records = (await server.events("hsm-a")).filter((event) => event.correlationId === requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      operationName: "KeyUnwrapBatch",
      properties: { itemCount: "4", failedItems: "2", failedCodes: "CryptoFailure:2" },
    });
  });

  it.each([
    ["batch-rsa", "RSA-OAEP-256"],
    ["batch-aes", "A256GCM"],
  ])("encrypts and decrypts in batches with %s (%s); a decrypt failure is that item's fixed CryptoFailure", async (name, algorithm) => {
    const plaintexts = [randomBytes(20), randomBytes(1), randomBytes(30)];
    const aad = algorithm === "A256GCM" ? new Uint8Array([1, 2, 3]) : new Uint8Array(0);
    const encrypted = (await server.call(
      server.crypto,
      CryptoService,
      "encryptBatch",
      { name, algorithm, items: plaintexts.map((plaintext) => ({ plaintext, aad })) },
      server.metadata(userToken),
    )) as unknown as { results: { ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array; code: number }[] };
    expect(encrypted.results.map((r) => r.code)).toEqual([0, 0, 0]);
    const items = encrypted.results.map((r) => ({ ciphertext: r.ciphertext, iv: r.iv, tag: r.tag, aad }));
    items[1] = { ...items[1]!, ciphertext: Uint8Array.from(items[1]!.ciphertext, (b, i) => (i === 0 ? b ^ 1 : b)) };
    const requestId = randomUUID();
    const decrypted = (await server.call(
      server.crypto,
      CryptoService,
      "decryptBatch",
      { name, algorithm, items },
      server.metadata(userToken, undefined, requestId),
    )) as unknown as { results: { plaintext: Uint8Array; code: number; errorCode: string }[] };
    expect(decrypted.results.map((r) => [r.code, r.errorCode])).toEqual([
      [0, ""],
      [status.INVALID_ARGUMENT, "CryptoFailure"],
      [0, ""],
    ]);
    expect(Buffer.from(decrypted.results[0]!.plaintext).equals(plaintexts[0]!)).toBe(true);
    expect(Buffer.from(decrypted.results[2]!.plaintext).equals(plaintexts[2]!)).toBe(true);
    const records = (await server.events("hsm-a")).filter((event) => event.correlationId === requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      operationName: "KeyDecryptBatch",
      properties: { itemCount: "3", failedItems: "1", failedCodes: "CryptoFailure:1" },
    });
  });

  it("carries SignBatch and VerifyBatch as cases of Stream, each with its own id and per-item results", async () => {
    const call = (
      server.crypto as unknown as {
        stream(md: unknown): { write(m: unknown): boolean; end(): void; on(e: string, f: (x: never) => void): void };
      }
    ).stream(server.metadata(userToken));
    const results = new Map<string, StreamResponse>();
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (response: StreamResponse) => results.set(response.id, response));
      call.on("end", resolve as never);
      call.on("error", reject as never);
    });
    const digests = [sha256("s1"), new Uint8Array(3), sha256("s2")];
    call.write(
      create(StreamRequestSchema, { id: "sb", operation: { case: "signBatch", value: { name: "batch-ec", algorithm: "ES256", digests } } }),
    );
    call.write(
      create(StreamRequestSchema, { id: "empty", operation: { case: "signBatch", value: { name: "batch-ec", algorithm: "ES256" } } }),
    );
    call.end();
    await done;
    const signed = results.get("sb")!;
    expect(signed.code).toBe(0);
    if (signed.result.case !== "signBatch") throw new Error(`expected a signBatch result, got ${signed.result.case}`);
    expect(signed.result.value.results.map((r) => r.code)).toEqual([0, status.INVALID_ARGUMENT, 0]);
    expect([results.get("empty")!.code, results.get("empty")!.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);

    const verifyCall = (
      server.crypto as unknown as {
        stream(md: unknown): { write(m: unknown): boolean; end(): void; on(e: string, f: (x: never) => void): void };
      }
    ).stream(server.metadata(userToken));
    const verified = new Promise<StreamResponse>((resolve, reject) => {
      verifyCall.on("data", resolve as never);
      verifyCall.on("error", reject as never);
    });
    const signatures = signed.result.value.results.map((r) => r.signature);
    verifyCall.write(
      create(StreamRequestSchema, {
        id: "vb",
        operation: {
          case: "verifyBatch",
          value: {
            name: "batch-ec",
            algorithm: "ES256",
            items: [
              { digest: sha256("s1"), signature: signatures[0]! },
              { digest: sha256("s2"), signature: signatures[2]! },
              { digest: sha256("s2"), signature: signatures[0]! },
            ],
          },
        },
      }),
    );
    verifyCall.end();
    const response = await verified;
    if (response.result.case !== "verifyBatch") throw new Error(`expected a verifyBatch result, got ${response.result.case}`);
    expect(response.result.value.results.map((r) => r.valid)).toEqual([true, true, false]);
  });
});
