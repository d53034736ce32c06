import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64Url } from "../../src/crypto/bytes.js";
import { CryptoService, SignResponseSchema, type SignRequest } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { GetKeyResponseSchema, KeyService, type CreateKeyRequest, type GetKeyRequest } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { KeyAttributesSchema, KeyBundleSchema, JsonWebKeySchema } from "../../src/gen/keyhold/v1/keys_pb.js";
import { createServerCertificate } from "../../src/tls/certificates.js";
import { ensureDevTls } from "../../src/tls/index.js";
import { serviceDefinition } from "../../src/transport/grpc/service-definition.js";
import { keyhold } from "./helpers.js";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.test.token";
const SIGNATURE = new Uint8Array([1, 2, 3, 250, 251, 252]);

/** What the canned server saw of each call. */
interface SeenCall {
  readonly method: string;
  readonly metadata: Record<string, string>;
  readonly request: unknown;
}

function cannedServices(seen: SeenCall[]): { key: UntypedServiceImplementation; crypto: UntypedServiceImplementation } {
  const record = (method: string, call: ServerUnaryCall<unknown, unknown>): void => {
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.metadata.getMap())) metadata[name] = String(value);
    seen.push({ method, metadata, request: call.request });
  };
  const bundle = create(KeyBundleSchema, {
    kid: "https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef",
    key: create(JsonWebKeySchema, {
      kty: "EC-HSM",
      crv: "P-256",
      keyOps: ["sign", "verify"],
      x: new Uint8Array(32),
      y: new Uint8Array(32),
    }),
    attributes: create(KeyAttributesSchema, { enabled: true, created: 1_700_000_000n, exp: 1_900_000_000n }),
    tags: { team: "payments" },
  });
  return {
    key: {
      getKey: (call: ServerUnaryCall<GetKeyRequest, unknown>, callback: sendUnaryData<unknown>) => {
        record("getKey", call);
        if (call.request.name !== "signer") {
          const trailer = new Metadata();
          trailer.set("x-error-code", "KeyNotFound");
          callback({ code: status.NOT_FOUND, details: `The key '${call.request.name}' was not found.`, metadata: trailer });
          return;
        }
        callback(null, create(GetKeyResponseSchema, { key: bundle }));
      },
      createKey: (call: ServerUnaryCall<CreateKeyRequest, unknown>, callback: sendUnaryData<unknown>) => {
        record("createKey", call);
        const trailer = new Metadata();
        trailer.set("x-error-code", "ForbiddenByRbac");
        callback({
          code: status.PERMISSION_DENIED,
          details: "Caller is not authorized to perform action keys/create/action on /keys/new.",
          metadata: trailer,
        });
      },
    },
    crypto: {
      sign: (call: ServerUnaryCall<SignRequest, unknown>, callback: sendUnaryData<unknown>) => {
        record("sign", call);
        callback(null, create(SignResponseSchema, { kid: bundle.kid, signature: SIGNATURE }));
      },
    },
  };
}

async function startServer(credentials: ServerCredentials, seen: SeenCall[]): Promise<{ server: Server; port: number }> {
  const server = new Server();
  const services = cannedServices(seen);
  server.addService(serviceDefinition(KeyService), services.key);
  server.addService(serviceDefinition(CryptoService), services.crypto);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error === null ? resolve(bound) : reject(error))),
  );
  return { server, port };
}

const dataDir = mkdtempSync(join(tmpdir(), "keyhold-cli-client-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("client commands against an insecure loopback server", () => {
  const seen: SeenCall[] = [];
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    const started = await startServer(ServerCredentials.createInsecure(), seen);
    server = started.server;
    endpoint = `127.0.0.1:${started.port}`;
  });
  afterAll(() => server.forceShutdown());
  const client = (...args: string[]) => ["--endpoint", endpoint, "--insecure", "--hsm-name", "dev", "--token", TOKEN, ...args];

  it("sends the bearer token, the HSM name and a fresh client request id, and prints a summary", async () => {
    const first = await keyhold(dataDir, "key", "get", ...client("--name", "signer"));
    await keyhold(dataDir, "key", "get", ...client("--name", "signer"));
    expect(first).toMatchObject({ exitCode: 0, stderr: "" });
    expect(first.stdout).toContain("kid:        https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef");
    expect(first.stdout).toContain("key:        EC-HSM P-256");
    expect(first.stdout).toContain("tags:       team=payments");
    const [a, b] = seen.filter((call) => call.method === "getKey");
    expect(a?.metadata).toMatchObject({ authorization: `Bearer ${TOKEN}`, "x-hsm-name": "dev" });
    expect(a?.metadata["x-ms-client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(a?.metadata["x-ms-client-request-id"]).not.toBe(b?.metadata["x-ms-client-request-id"]);
    expect(a?.request).toMatchObject({ name: "signer", version: "" });
  });

  it("prints the response as protobuf JSON with --output json", async () => {
    const result = await keyhold(dataDir, "key", "get", ...client("--name", "signer", "--output", "json"));
    const json = JSON.parse(result.stdout) as {
      key: { kid: string; attributes: { enabled: boolean; exp: string }; key: { keyOps: string[] } };
    };
    expect(json.key.kid).toBe("https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef");
    expect(json.key.attributes).toMatchObject({ enabled: true, exp: "1900000000" });
    expect(json.key.key.keyOps).toEqual(["sign", "verify"]);
  });

  it("prints the status name, the x-error-code trailer and the message on stderr, with exit code 1", async () => {
    const missing = await keyhold(dataDir, "key", "get", ...client("--name", "absent"));
    expect(missing).toEqual({ stdout: "", stderr: "error: NOT_FOUND (KeyNotFound): The key 'absent' was not found.\n", exitCode: 1 });
    const denied = await keyhold(dataDir, "key", "create", ...client("--name", "new", "--kty", "EC", "--curve", "P-256"));
    expect(denied.stderr).toBe(
      "error: PERMISSION_DENIED (ForbiddenByRbac): Caller is not authorized to perform action keys/create/action on /keys/new.\n",
    );
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).not.toMatch(/\n\s+at /);
  });

  it("signs the hash of a data file and prints the signature as base64url", async () => {
    const dataFile = join(dataDir, "message.txt");
    writeFileSync(dataFile, "hello");
    const result = await keyhold(dataDir, "key", "sign", ...client("--name", "signer", "--alg", "ES256", "--data-file", dataFile));
    expect(result.stdout).toBe(
      `kid: https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef\nsignature: ${toBase64Url(SIGNATURE)}\n`,
    );
    const request = seen.find((call) => call.method === "sign")?.request as SignRequest;
    expect(Buffer.from(request.digest).toString("hex")).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    expect(request).toMatchObject({ name: "signer", algorithm: "ES256" });
  });

  it("reports a bad flag before calling, naming the flag", async () => {
    const before = seen.length;
    const result = await keyhold(dataDir, "key", "sign", ...client("--name", "signer", "--alg", "ES256", "--digest", "not base64url!"));
    expect(result).toEqual({ stdout: "", stderr: "error: --digest: is not valid base64url\n", exitCode: 1 });
    expect(seen.length).toBe(before);
  });

  it("says where it tried when nothing listens", async () => {
    const result = await keyhold(dataDir, "rng", "--count", "8", "--endpoint", "127.0.0.1:1", "--insecure");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: UNAVAILABLE: .*\(is the server running at 127\.0\.0\.1:1\?\)\n$/);
  });
});

describe("client commands over TLS", () => {
  const seen: SeenCall[] = [];
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    const tls = ensureDevTls({ dataDir });
    const started = await startServer(
      ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], false),
      seen,
    );
    server = started.server;
    endpoint = `127.0.0.1:${started.port}`;
  });
  afterAll(() => server.forceShutdown());

  it("trusts the CA of the data dir by default", async () => {
    const result = await keyhold(dataDir, "key", "get", "--endpoint", endpoint, "--token", TOKEN, "--name", "signer");
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("key:        EC-HSM P-256");
    expect(seen.at(-1)?.metadata["authorization"]).toBe(`Bearer ${TOKEN}`);
  });

  it("refuses a server whose certificate the given CA did not sign", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "keyhold-cli-other-ca-"));
    try {
      const other = ensureDevTls({ dataDir: otherDir });
      const before = seen.length;
      const result = await keyhold(dataDir, "key", "get", "--endpoint", endpoint, "--ca", other.caPath, "--name", "signer");
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^error: UNAVAILABLE: /);
      expect(seen.length).toBe(before);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("checks the certificate against the IP address dialled, though SNI carries localhost", async () => {
    const tls = ensureDevTls({ dataDir });
    const elsewhere = createServerCertificate({ certPem: tls.caPem, keyPem: readFileSync(join(dataDir, "tls", "ca-key.pem"), "utf8") }, [
      "localhost",
      "keyhold.test",
    ]);
    const otherServer = await startServer(
      ServerCredentials.createSsl(
        null,
        [{ cert_chain: Buffer.from(elsewhere.certPem), private_key: Buffer.from(elsewhere.keyPem) }],
        false,
      ),
      [],
    );
    try {
      const result = await keyhold(dataDir, "rng", "--count", "8", "--endpoint", `127.0.0.1:${otherServer.port}`);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^error: UNAVAILABLE: .*/);
    } finally {
      otherServer.server.forceShutdown();
    }
  });

  it("refuses plaintext to a non-loopback address and names a missing CA file", async () => {
    const insecure = await keyhold(dataDir, "rng", "--count", "8", "--endpoint", "10.1.2.3:7443", "--insecure");
    expect(insecure.stderr).toBe("error: --insecure: is allowed only to a loopback address, and 10.1.2.3 is not one\n");
    const noCa = await keyhold(dataDir, "rng", "--count", "8", "--endpoint", endpoint, "--ca", join(dataDir, "nope.pem"));
    expect(noCa.stderr).toMatch(/^error: --ca: cannot read .*nope\.pem/);
    expect(noCa.exitCode).toBe(1);
  });
});
