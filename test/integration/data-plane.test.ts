/**
 * The gRPC data plane against a real server (TLS, port 0): every key type and
 * algorithm through the wire with results checked independently by
 * node:crypto, RBAC scenarios, soft delete, backup across security domains,
 * expiry, the Stream RPC, and one audit record per call.
 */
import {
  constants,
  createHash,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  verify as nodeVerify,
  type JsonWebKey as NodeJwk,
} from "node:crypto";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_AUDITOR, MANAGED_HSM_CRYPTO_USER, MANAGED_HSM_POLICY_ADMINISTRATOR } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService, StreamRequestSchema, type StreamResponse } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import type { KeyBundle } from "../../src/gen/keyhold/v1/keys_pb.js";
import { create } from "@bufbuild/protobuf";
import type { PrincipalRecord } from "../../src/store/records.js";
import { RSA_FIXTURES } from "../helpers/keys.js";
import { startTestServer, type RpcError, type TestServer } from "./server.js";

let server: TestServer;
let officer: PrincipalRecord;
let officerToken: string;

beforeAll(async () => {
  server = await startTestServer();
  officer = await server.user("officer");
  const adminToken = await server.token(server.admin);
  for (const [role, scope] of [
    [MANAGED_HSM_CRYPTO_USER.id, "/"],
    ["515eb02d-2335-4d2d-92f2-b1cbdf9c3778", "/"],
  ] as const) {
    for (const hsm of ["hsm-a", "hsm-b"]) {
      await server.call(
        server.access,
        AccessControlService,
        "createRoleAssignment",
        { scope, roleDefinitionId: role, principalId: officer.id },
        server.metadata(adminToken, hsm),
      );
    }
  }
  officerToken = await server.token(officer);
});
afterAll(async () => server?.stop());

const md = (hsm = "hsm-a") => server.metadata(officerToken, hsm);
const keyCall = <T>(method: string, request: object, hsm?: string) =>
  server.call(server.keys, KeyService, method, request as never, md(hsm)) as Promise<T>;
const cryptoCall = <T>(method: string, request: object, hsm?: string) =>
  server.call(server.crypto, CryptoService, method, request as never, md(hsm)) as Promise<T>;
const failure = async (promise: Promise<unknown>): Promise<RpcError> => {
  try {
    await promise;
  } catch (error) {
    return error as RpcError;
  }
  throw new Error("expected the call to fail");
};
const sha = (name: string, data: Uint8Array | string) => new Uint8Array(createHash(name).update(data).digest());

/** The public key of a returned bundle as node:crypto sees it. */
function nodePublicKey(bundle: KeyBundle) {
  const jwk = bundle.key!;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  const kty = jwk.kty.replace("-HSM", "");
  const json: NodeJwk =
    kty === "RSA"
      ? { kty, n: b64(jwk.n), e: b64(jwk.e) }
      : { kty, crv: jwk.crv === "P-256K" ? "secp256k1" : jwk.crv, x: b64(jwk.x), y: b64(jwk.y) };
  return createPublicKey({ key: json, format: "jwk" });
}

describe("keys and cryptography over gRPC", () => {
  it("signs with every EC curve and RSA algorithm; node:crypto verifies the signatures", async () => {
    const cases: [string, object, string[], string][] = [
      ["ec256", { kty: "EC-HSM", crv: "P-256" }, ["ES256"], "sha256"],
      ["ec256k", { kty: "EC", crv: "P-256K" }, ["ES256K"], "sha256"],
      ["ec384", { kty: "EC", crv: "P-384" }, ["ES384"], "sha384"],
      ["ec521", { kty: "EC", crv: "P-521" }, ["ES512"], "sha512"],
      ["rsa", { kty: "RSA-HSM", keySize: 2048 }, ["PS256", "PS384", "PS512", "RS256", "RS384", "RS512"], ""],
    ];
    for (const [name, params, algorithms, ecHash] of cases) {
      const { key } = await keyCall<{ key: KeyBundle }>("createKey", { name, ...params });
      const publicKey = nodePublicKey(key);
      for (const algorithm of algorithms) {
        const hash = ecHash || `sha${algorithm.slice(2)}`;
        const message = `message for ${algorithm}`;
        const { signature, kid } = await cryptoCall<{ signature: Uint8Array; kid: string }>("sign", {
          name,
          algorithm,
          digest: sha(hash, message),
        });
        expect(kid).toBe(key.kid);
        const options = algorithm.startsWith("ES")
          ? { key: publicKey, dsaEncoding: "ieee-p1363" as const }
          : {
              key: publicKey,
              padding: algorithm.startsWith("PS") ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
              saltLength: sha(hash, "").length,
            };
        expect(nodeVerify(hash, Buffer.from(message), options, signature), `${name} ${algorithm}`).toBe(true);
        const { valid } = await cryptoCall<{ valid: boolean }>("verify", { name, algorithm, digest: sha(hash, message), signature });
        expect(valid).toBe(true);
      }
    }
  });

  it("encrypts, decrypts, wraps and unwraps with RSA and AES keys, interoperating with node:crypto", async () => {
    const imported = await keyCall<{ key: KeyBundle }>("importKey", {
      name: "rsa-imported",
      key: Object.fromEntries(
        Object.entries(RSA_FIXTURES[3072]).map(([k, v]) => [
          k === "key_ops" ? "keyOps" : k,
          typeof v === "string" && k !== "kty" ? new Uint8Array(Buffer.from(v, "base64url")) : v,
        ]),
      ),
    });
    const publicKey = nodePublicKey(imported.key);
    const secret = randomBytes(32);
    const theirs = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, secret);
    const { plaintext } = await cryptoCall<{ plaintext: Uint8Array }>("decrypt", {
      name: "rsa-imported",
      algorithm: "RSA-OAEP-256",
      ciphertext: theirs,
    });
    expect(Buffer.from(plaintext)).toEqual(secret);
    for (const algorithm of ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]) {
      const { wrappedKey } = await cryptoCall<{ wrappedKey: Uint8Array }>("wrapKey", { name: "rsa-imported", algorithm, key: secret });
      const { key } = await cryptoCall<{ key: Uint8Array }>("unwrapKey", { name: "rsa-imported", algorithm, wrappedKey });
      expect(Buffer.from(key)).toEqual(secret);
    }

    await keyCall("createKey", { name: "aes", kty: "oct-HSM", keySize: 256 });
    const aad = new TextEncoder().encode("context");
    const sealed = await cryptoCall<{ ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array }>("encrypt", {
      name: "aes",
      algorithm: "A256GCM",
      plaintext: secret,
      aad,
    });
    expect(sealed.iv.length).toBe(12);
    const opened = await cryptoCall<{ plaintext: Uint8Array }>("decrypt", {
      name: "aes",
      algorithm: "A256GCM",
      ciphertext: sealed.ciphertext,
      iv: sealed.iv,
      tag: sealed.tag,
      aad,
    });
    expect(Buffer.from(opened.plaintext)).toEqual(secret);
    const tampered = Uint8Array.from(sealed.tag);
    tampered[0]! ^= 1;
    const refused = await failure(
      cryptoCall("decrypt", { name: "aes", algorithm: "A256GCM", ciphertext: sealed.ciphertext, iv: sealed.iv, tag: tampered, aad }),
    );
    expect([refused.code, refused.errorCode]).toEqual([status.INVALID_ARGUMENT, "CryptoFailure"]);
    for (const algorithm of ["A256KW", "CKM_AES_KEY_WRAP_PAD"]) {
      const { wrappedKey } = await cryptoCall<{ wrappedKey: Uint8Array }>("wrapKey", { name: "aes", algorithm, key: secret });
      const { key } = await cryptoCall<{ key: Uint8Array }>("unwrapKey", { name: "aes", algorithm, wrappedKey });
      expect(Buffer.from(key)).toEqual(secret);
    }
    const mac = await cryptoCall<{ signature: Uint8Array }>("sign", { name: "aes", algorithm: "HS256", digest: sha("sha256", "x") });
    expect(
      (
        await cryptoCall<{ valid: boolean }>("verify", {
          name: "aes",
          algorithm: "HS256",
          digest: sha("sha256", "x"),
          signature: mac.signature,
        })
      ).valid,
    ).toBe(true);
  });

  it("manages versions, attributes, soft delete, recovery, purge and rotation", async () => {
    const first = (await keyCall<{ key: KeyBundle }>("createKey", { name: "life", kty: "EC", crv: "P-256" })).key;
    const second = (await keyCall<{ key: KeyBundle }>("rotateKey", { name: "life" })).key;
    expect(second.kid).not.toBe(first.kid);
    const versions = await keyCall<{ keys: KeyBundle[] }>("listKeyVersions", { name: "life" });
    expect(versions.keys.map((k) => k.kid).sort()).toEqual([first.kid, second.kid].sort());
    expect((await keyCall<{ key: KeyBundle }>("getKey", { name: "life" })).key.kid).toBe(second.kid);

    const digest = sha("sha256", "life");
    await keyCall("updateKey", { name: "life", attributes: { enabled: false } });
    const disabled = await failure(cryptoCall("sign", { name: "life", algorithm: "ES256", digest }));
    expect(disabled.code).toBe(status.FAILED_PRECONDITION);
    await keyCall("updateKey", { name: "life", attributes: { enabled: true, exp: Math.floor(Date.now() / 1000) - 60 } });
    const expired = await failure(cryptoCall("sign", { name: "life", algorithm: "ES256", digest }));
    expect(expired.code).toBe(status.FAILED_PRECONDITION);
    expect(expired.details).toMatch(/expired|exp/i);

    await keyCall("deleteKey", { name: "life" });
    const reused = await failure(keyCall("createKey", { name: "life", kty: "EC", crv: "P-256" }));
    expect([reused.code, reused.errorCode]).toEqual([status.ALREADY_EXISTS, "ObjectIsDeletedButRecoverable"]);
    await keyCall("recoverDeletedKey", { name: "life" });
    await keyCall("deleteKey", { name: "life" });
    await keyCall("purgeDeletedKey", { name: "life" });
    const gone = await failure(keyCall("getKey", { name: "life" }));
    expect([gone.code, gone.errorCode]).toEqual([status.NOT_FOUND, "KeyNotFound"]);

    const policy = await keyCall<{ policy: { lifetimeActions: unknown[] } }>("updateRotationPolicy", {
      name: "ec256",
      policy: { lifetimeActions: [{ timeAfterCreate: "P30D", action: "Rotate" }], expiryTime: "P90D" },
    });
    expect(policy.policy.lifetimeActions).toHaveLength(1);
    expect((await keyCall<{ policy: { expiryTime: string } }>("getRotationPolicy", { name: "ec256" })).policy.expiryTime).toBe("P90D");
  });

  it("refuses a backup in an HSM with another security domain and restores it where it belongs", async () => {
    await keyCall("createKey", { name: "portable", kty: "RSA", keySize: 2048 });
    const { value } = await keyCall<{ value: Uint8Array }>("backupKey", { name: "portable" });
    const foreign = await failure(keyCall("restoreKey", { value }, "hsm-b"));
    expect(foreign.code).toBe(status.INVALID_ARGUMENT);
    expect(foreign.details).toMatch(/security domain/);
    const taken = await failure(keyCall("restoreKey", { value }));
    expect(taken.code).not.toBe(status.OK);
    await keyCall("deleteKey", { name: "portable" });
    await keyCall("purgeDeletedKey", { name: "portable" });
    const restored = await keyCall<{ key: KeyBundle }>("restoreKey", { value });
    expect(restored.key.kid).toContain("/keys/portable/");
  });

  it("pipelines many operations of every kind on one Stream, each with its own id and status", async () => {
    const digest = sha("sha256", "stream");
    const call = (
      server.crypto as unknown as {
        stream(
          md: unknown,
        ): NodeJS.ReadWriteStream & { write(m: unknown): boolean; end(): void; on(e: string, f: (x: StreamResponse) => void): void };
      }
    ).stream(md());
    const results = new Map<string, StreamResponse>();
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (response) => results.set(response.id, response));
      call.on("end" as never, resolve as never);
      call.on("error" as never, reject as never);
    });
    for (let i = 0; i < 60; i++)
      call.write(
        create(StreamRequestSchema, { id: `s${i}`, operation: { case: "sign", value: { name: "ec256", algorithm: "ES256", digest } } }),
      );
    call.write(
      create(StreamRequestSchema, {
        id: "enc",
        operation: { case: "encrypt", value: { name: "aes", algorithm: "A256GCM", plaintext: new Uint8Array(5) } },
      }),
    );
    call.write(
      create(StreamRequestSchema, {
        id: "bad",
        operation: { case: "sign", value: { name: "ec256", algorithm: "ES256", digest: new Uint8Array(3) } },
      }),
    );
    call.write(
      create(StreamRequestSchema, { id: "missing", operation: { case: "sign", value: { name: "nope", algorithm: "ES256", digest } } }),
    );
    call.end();
    await done;
    expect(results.size).toBe(63);
    expect([...results.values()].filter((r) => r.id.startsWith("s")).every((r) => r.code === 0 && r.result.case === "sign")).toBe(true);
    expect(results.get("enc")!.result.case).toBe("encrypt");
    expect([results.get("bad")!.code, results.get("bad")!.errorCode]).toEqual([status.INVALID_ARGUMENT, "BadParameter"]);
    expect(results.get("bad")!.message).toMatch(/digest/);
    expect([results.get("missing")!.code, results.get("missing")!.errorCode]).toEqual([status.NOT_FOUND, "KeyNotFound"]);
  });
});

describe("local RBAC over gRPC", () => {
  it("denies a principal with no assignment, naming the data action and scope", async () => {
    const stranger = await server.user("stranger");
    const error = await failure(
      server.call(
        server.crypto,
        CryptoService,
        "sign",
        { name: "ec256", algorithm: "ES256", digest: sha("sha256", "x") } as never,
        server.metadata(await server.token(stranger)),
      ),
    );
    expect([error.code, error.errorCode]).toEqual([status.PERMISSION_DENIED, "ForbiddenByRbac"]);
    expect(error.details).toContain("Microsoft.KeyVault/managedHsm/keys/sign/action");
    expect(error.details).toContain("/keys/ec256");
  });

  it("a Crypto User of /keys/a signs with a but not b; an auditor reads but does not sign; a policy admin of /keys/a assigns on /keys/a only", async () => {
    await keyCall("createKey", { name: "a", kty: "EC", crv: "P-256" });
    await keyCall("createKey", { name: "b", kty: "EC", crv: "P-256" });
    const admin = await server.token(server.admin);
    const app = await server.user("app");
    const auditor = await server.user("auditor");
    const policy = await server.user("policy");
    const assign = (principal: PrincipalRecord, roleDefinitionId: string, scope: string, token = admin) =>
      server.call(
        server.access,
        AccessControlService,
        "createRoleAssignment",
        { scope, roleDefinitionId, principalId: principal.id } as never,
        server.metadata(token),
      );
    await assign(app, MANAGED_HSM_CRYPTO_USER.id, "/keys/a");
    await assign(auditor, MANAGED_HSM_CRYPTO_AUDITOR.id, "/");
    await assign(policy, MANAGED_HSM_POLICY_ADMINISTRATOR.id, "/keys/a");
    const digest = sha("sha256", "rbac");
    const sign = async (principal: PrincipalRecord, name: string) =>
      server
        .call(
          server.crypto,
          CryptoService,
          "sign",
          { name, algorithm: "ES256", digest } as never,
          server.metadata(await server.token(principal)),
        )
        .then(
          () => "OK",
          (e: RpcError) => e.errorCode,
        );
    expect(await sign(app, "a")).toBe("OK");
    expect(await sign(app, "b")).toBe("ForbiddenByRbac");
    expect(await sign(auditor, "a")).toBe("ForbiddenByRbac");
    const read = await server.call(server.keys, KeyService, "getKey", { name: "a" } as never, server.metadata(await server.token(auditor)));
    expect(read).toBeDefined();
    const policyToken = await server.token(policy);
    const other = await server.user("other");
    expect(await assign(other, MANAGED_HSM_CRYPTO_USER.id, "/keys/a", policyToken).then(() => "OK")).toBe("OK");
    const outside = await failure(assign(other, MANAGED_HSM_CRYPTO_USER.id, "/keys/b", policyToken));
    expect(outside.errorCode).toBe("ForbiddenByRbac");
  });
});

describe("audit over gRPC", () => {
  it("records every call once, allowed or denied, with its correlation id, and no key material", async () => {
    const id = `audit-${Date.now()}`;
    const digest = sha("sha256", "audited");
    await server.call(
      server.crypto,
      CryptoService,
      "sign",
      { name: "ec256", algorithm: "ES256", digest } as never,
      server.metadata(officerToken, "hsm-a", `${id}-ok`),
    );
    await server
      .call(
        server.crypto,
        CryptoService,
        "sign",
        { name: "ec256", algorithm: "ES256", digest } as never,
        server.metadata(undefined, "hsm-a", `${id}-anon`),
      )
      .catch(() => undefined);
    const events = await server.events("hsm-a");
    const ok = events.filter((e) => e.correlationId === `${id}-ok`);
    const anon = events.filter((e) => e.correlationId === `${id}-anon`);
    expect(ok.map((e) => [e.operationName, e.resultType, e.properties.keyName, e.properties.algorithm])).toEqual([
      ["KeySign", "Success", "ec256", "ES256"],
    ]);
    expect(anon.map((e) => [e.operationName, e.resultSignature])).toEqual([["Authentication", "UNAUTHENTICATED"]]);
    const journal = await server.journalBytes();
    for (const secret of [
      officerToken,
      Buffer.from(digest).toString("base64"),
      Buffer.from(digest).toString("hex"),
      Buffer.from(digest).toString("base64url"),
      RSA_FIXTURES[3072].d!,
      RSA_FIXTURES[3072].p!,
    ]) {
      expect(journal.includes(secret)).toBe(false);
    }
  });
});
