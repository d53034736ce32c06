/**
 * What arrives over the wire when it is wrong: garbage bytes, wrong wire
 * types, oversized messages, unknown algorithms, bad lengths, invalid JWKs,
 * missing metadata. Each gets its status code and a clear message; the
 * server keeps serving. Also: health checking and server reflection.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { createHash } from "node:crypto";
import {
  Client,
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  Metadata,
  status,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { startTestServer, type RpcError, type TestServer } from "./server.js";

let server: TestServer;
let token: string;
let raw: Client;

beforeAll(async () => {
  server = await startTestServer({ threads: 1 });
  const adminToken = await server.token(server.admin);
  const principal = await server.user("wire");
  const { AccessControlService } = await import("../../src/gen/keyhold/v1/access_control_service_pb.js");
  await server.call(
    server.access,
    AccessControlService,
    "createRoleAssignment",
    { scope: "/", roleDefinitionId: "21dbd100-6940-42c2-9190-5d6cb909625b", principalId: principal.id } as never,
    server.metadata(adminToken),
  );
  token = await server.token(principal);
  await server.call(server.keys, KeyService, "createKey", { name: "wire", kty: "EC", crv: "P-256" } as never, server.metadata(token));
  raw = new Client(server.node.addresses.grpc, credentials.createSsl(Buffer.from(server.node.tls!.caPem!)), {
    "grpc.ssl_target_name_override": "localhost",
    "grpc.max_send_message_length": 16 * 1024 * 1024,
  });
});
afterAll(async () => {
  raw?.close();
  await server?.stop();
});

/** Sends raw bytes to a method, bypassing every client-side encoder. */
function sendBytes(path: string, bytes: Uint8Array, metadata: Metadata): Promise<RpcError> {
  return new Promise((resolve) => {
    raw.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(bytes),
      metadata,
      { deadline: Date.now() + 30_000 },
      (error: ServiceError | null) => {
        const errorCode = error?.metadata?.get("x-error-code")[0];
        resolve({
          code: error?.code ?? status.OK,
          details: error?.details ?? "",
          errorCode: typeof errorCode === "string" ? errorCode : undefined,
        });
      },
    );
  });
}

const failure = async (promise: Promise<unknown>): Promise<RpcError> =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: RpcError) => e,
  );
const digest = new Uint8Array(createHash("sha256").update("wire").digest());
const sign = (request: object, metadata = server.metadata(token)) =>
  server.call(server.crypto, CryptoService, "sign", request as never, metadata);

describe("bad input over the wire", () => {
  it("answers garbage bytes and wrong wire types with INVALID_ARGUMENT naming the request", async () => {
    for (const bytes of [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), Uint8Array.of(0x08, 0x96, 0x01), Uint8Array.of(0x0a, 0x40, 0x41)]) {
      const error = await sendBytes("/keyhold.v1.CryptoService/Sign", bytes, server.metadata(token));
      expect([error.code, error.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);
      expect(error.details).toMatch(/request: is not a valid keyhold\.v1\.SignRequest/);
    }
  });

  it("refuses messages over 4 MiB", async () => {
    const error = await failure(
      server.call(
        server.crypto,
        CryptoService,
        "encrypt",
        { name: "wire", algorithm: "A256GCM", plaintext: new Uint8Array(5 * 1024 * 1024) } as never,
        server.metadata(token),
      ),
    );
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/larger than max/i);
  });

  it("names the field for unknown algorithms, wrong digest lengths, invalid JWKs and missing fields", async () => {
    const unknown = await failure(sign({ name: "wire", algorithm: "ES999", digest }));
    expect([unknown.code, unknown.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/^algorithm: /)]);
    const short = await failure(sign({ name: "wire", algorithm: "ES256", digest: digest.subarray(0, 20) }));
    expect([short.code, short.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/digest/)]);
    const wrongKey = await failure(sign({ name: "wire", algorithm: "PS256", digest }));
    expect(wrongKey.code).toBe(status.INVALID_ARGUMENT);
    const noName = await failure(sign({ algorithm: "ES256", digest }));
    expect([noName.code, noName.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/name/)]);
    const badJwk = await failure(
      server.call(
        server.keys,
        KeyService,
        "importKey",
        {
          name: "bad-jwk",
          key: { kty: "RSA", n: new Uint8Array(64).fill(0xff), e: Uint8Array.of(1, 0, 1), d: new Uint8Array(64).fill(1) },
        } as never,
        server.metadata(token),
      ),
    );
    expect([badJwk.code, badJwk.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);
    expect(badJwk.details).toMatch(/key\.|jwk\./);
  });

  it("answers missing metadata: no token is UNAUTHENTICATED, no x-hsm-name with two HSMs is HsmNotFound", async () => {
    const anonymous = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata(undefined)));
    expect([anonymous.code, anonymous.errorCode]).toEqual([status.UNAUTHENTICATED, "Unauthorized"]);
    const noHsm = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata(token, "")));
    expect([noHsm.code, noHsm.errorCode]).toEqual([status.NOT_FOUND, "HsmNotFound"]);
    expect(noHsm.details).toMatch(/x-hsm-name/);
  });

  it("answers a call without a token UNAUTHENTICATED whether or not its HSM exists", async () => {
    for (const hsm of ["hsm-a", "no-such-hsm"]) {
      const anonymous = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata(undefined, hsm)));
      expect([anonymous.code, anonymous.errorCode], hsm).toEqual([status.UNAUTHENTICATED, "Unauthorized"]);
      const garbage = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata("not-a-token", hsm)));
      expect([garbage.code, garbage.errorCode], hsm).toEqual([status.UNAUTHENTICATED, "Unauthorized"]);
    }
    const unknown = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata(token, "no-such-hsm")));
    expect([unknown.code, unknown.errorCode]).toEqual([status.NOT_FOUND, "HsmNotFound"]);
  });

  it("does not echo a 1,000-character x-hsm-name", async () => {
    const long = await failure(sign({ name: "wire", algorithm: "ES256", digest }, server.metadata(token, "x".repeat(1000))));
    expect([long.code, long.errorCode]).toEqual([status.NOT_FOUND, "HsmNotFound"]);
    expect(long.details).not.toContain("x".repeat(65));
    expect(long.details.length).toBeLessThan(200);
  });

  it("answers a Verify with a 4 KiB or 64 KiB signature with INVALID_ARGUMENT or valid: false, never INTERNAL", async () => {
    // Digest and signature arrive as views of one message buffer; the worker pool once moved that buffer twice (DataCloneError).
    await server.call(
      server.keys,
      KeyService,
      "createKey",
      { name: "wire-rsa", kty: "RSA", keySize: 2048 } as never,
      server.metadata(token),
    );
    for (const [name, algorithm] of [
      ["wire", "ES256"],
      ["wire-rsa", "PS256"],
      ["wire-rsa", "RS256"],
    ] as const) {
      for (const length of [4 * 1024, 64 * 1024]) {
        const request = { name, algorithm, digest, signature: new Uint8Array(length).fill(0x5a) };
        const answer = await server.call(server.crypto, CryptoService, "verify", request as never, server.metadata(token)).then(
          (response) => ({ valid: (response as unknown as { valid: boolean }).valid }),
          (error: RpcError) => ({ code: error.code, errorCode: error.errorCode }),
        );
        expect([{ valid: false }, { code: status.INVALID_ARGUMENT, errorCode: "BadParameter" }], `${algorithm} ${length}`).toContainEqual(
          answer,
        );
      }
    }
  });

  it("keeps serving after all of it", async () => {
    const response = (await sign({ name: "wire", algorithm: "ES256", digest })) as unknown as { signature: Uint8Array };
    expect(response.signature.length).toBe(64);
  });
});

describe("health and reflection", () => {
  it("reports SERVING for the server and each keyhold service", async () => {
    const Health = makeGenericClientConstructor(healthService, "Health");
    const client = new Health(server.node.addresses.grpc, credentials.createSsl(Buffer.from(server.node.tls!.caPem!)), {
      "grpc.ssl_target_name_override": "localhost",
    });
    for (const name of ["", "keyhold.v1.CryptoService", "keyhold.v1.KeyService"]) {
      const answer = await new Promise<{ status: string }>((resolve, reject) =>
        (client as unknown as { check(r: object, cb: (e: Error | null, r: { status: string }) => void): void }).check(
          { service: name },
          (e, r) => (e ? reject(e) : resolve(r)),
        ),
      );
      expect(answer.status).toBe("SERVING");
    }
    client.close();
  });

  it("lists the keyhold services through server reflection", async () => {
    const reflectionProto = join(
      createRequire(import.meta.url).resolve("@grpc/reflection/package.json"),
      "..",
      "build",
      "proto",
      "grpc",
      "reflection",
      "v1",
      "reflection.proto",
    );
    const loaded = loadPackageDefinition(loadSync(reflectionProto)) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (...a: unknown[]) => Client } } };
    };
    const client = new loaded.grpc.reflection.v1.ServerReflection(
      server.node.addresses.grpc,
      credentials.createSsl(Buffer.from(server.node.tls!.caPem!)),
      { "grpc.ssl_target_name_override": "localhost" },
    );
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = (
        client as unknown as { serverReflectionInfo(): NodeJS.ReadWriteStream & { write(m: object): void; end(): void } }
      ).serverReflectionInfo();
      call.on("data", (response: { listServicesResponse?: { service: { name: string }[] } }) =>
        resolve((response.listServicesResponse?.service ?? []).map((s) => s.name)),
      );
      call.on("error", reject);
      call.write({ listServices: "" });
      call.end();
    });
    expect(names).toEqual(
      expect.arrayContaining([
        "keyhold.v1.KeyService",
        "keyhold.v1.CryptoService",
        "keyhold.v1.AccessControlService",
        "grpc.health.v1.Health",
      ]),
    );
    client.close();
  });
});
