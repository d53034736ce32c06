/**
 * The gRPC door and the Key Vault REST door against one node, scenario by scenario (SPEC section 13: "the REST and
 * gRPC doors behave identically"). Each step runs through both doors and the outcomes are compared after mapping
 * each door's wire to keyhold's one error vocabulary: a gRPC status with its x-error-code, and an HTTP status with
 * Key Vault's error code, must name the same class (PERMISSION_DENIED <-> 403 Forbidden, INVALID_ARGUMENT <-> 400
 * BadParameter, ...). Covered: an RBAC matrix, attributes, key_ops and tags, soft delete, bad input (the same field
 * named), and refused tokens (expired, forged signature, altered claims).
 */
import { createHash } from "node:crypto";
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CLASSES, KeyholdError, type KeyholdErrorCode } from "../../src/errors.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { keyVaultErrorCode } from "../../src/keyvault/key-vault-errors.js";
import type { RpcError } from "../integration/server.js";
import { rawRequest, vaultUrl } from "./helpers.js";
import { startKeyVaultFixture, type KeyVaultFixture } from "./fixture.js";

let kv: KeyVaultFixture;
beforeAll(async () => {
  kv = await startKeyVaultFixture();
  expect((await viaGrpc(kv.officer, createEc("parity-ec"))).code).toBe("OK");
});
afterAll(async () => {
  kv?.agent.destroy();
  await kv?.server.stop();
});

/** One step as each door spells it. */
interface Step {
  readonly grpc: { readonly service: "keys" | "crypto"; readonly method: string; readonly request: object };
  readonly rest: { readonly method: string; readonly path: string; readonly body?: unknown };
}

/** What a door answered, in one vocabulary: HTTP status and Key Vault code ("OK" on success), the message, the value. */
interface Outcome {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly value: any;
}

async function viaGrpc(token: string, step: Step): Promise<Outcome> {
  const { service, method, request } = step.grpc;
  const [client, descriptor] = service === "keys" ? [kv.server.keys, KeyService] : [kv.server.crypto, CryptoService];
  try {
    const value = await kv.server.call(client, descriptor, method, request as never, kv.server.metadata(token));
    return { status: 200, code: "OK", message: "", value };
  } catch (thrown) {
    const error = thrown as RpcError;
    const code = error.errorCode as KeyholdErrorCode;
    expect(ERROR_CLASSES[code], `x-error-code ${error.errorCode}`).toBeDefined();
    // The status and the x-error-code agree, as the one mapping says.
    expect(error.code).toBe(grpcStatus[ERROR_CLASSES[code].grpc]);
    return {
      status: ERROR_CLASSES[code].http,
      code: keyVaultErrorCode(new KeyholdError(code, "")),
      message: error.details,
      value: undefined,
    };
  }
}

async function viaRest(token: string, step: Step): Promise<Outcome> {
  const { method, path, body } = step.rest;
  const response = await rawRequest(kv.agent, `${vaultUrl(kv.server)}${path}?api-version=7.6`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 200 || response.status === 204) {
    return { status: 200, code: "OK", message: "", value: response.status === 204 ? undefined : response.json() };
  }
  const error = (response.json() as { error: { code: string; message: string } }).error;
  if (response.status === 401) expect(response.headers["www-authenticate"]).toMatch(/^Bearer authorization="https:\/\/.+", resource=/);
  return { status: response.status, code: error.code, message: error.message, value: undefined };
}

/** Runs the step through both doors and returns both outcomes after checking that they name the same class. */
async function bothDoors(token: string, step: Step | ((door: "grpc" | "rest") => Step)): Promise<{ grpc: Outcome; rest: Outcome }> {
  const of = typeof step === "function" ? step : () => step;
  const grpc = await viaGrpc(token, of("grpc"));
  const rest = await viaRest(token, of("rest"));
  expect([rest.status, rest.code], `${of("rest").rest.method} ${of("rest").rest.path}: ${rest.message} | ${grpc.message}`).toEqual([
    grpc.status,
    grpc.code,
  ]);
  return { grpc, rest };
}

/** The field an error message names first (`algorithm: ...`). */
const fieldOf = (message: string): string => message.slice(0, message.indexOf(":"));

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const DIGEST = createHash("sha256").update("parity").digest();

function createEc(
  name: string,
  extra: { keyOps?: string[]; attributes?: Record<string, unknown>; tags?: Record<string, string> } = {},
): Step {
  return {
    grpc: { service: "keys", method: "createKey", request: { name, kty: "EC-HSM", crv: "P-256", ...extra } },
    rest: {
      method: "POST",
      path: `/keys/${name}/create`,
      body: {
        kty: "EC-HSM",
        crv: "P-256",
        ...(extra.keyOps === undefined ? {} : { key_ops: extra.keyOps }),
        ...(extra.attributes === undefined ? {} : { attributes: extra.attributes }),
        ...(extra.tags === undefined ? {} : { tags: extra.tags }),
      },
    },
  };
}

const getKey = (name: string): Step => ({
  grpc: { service: "keys", method: "getKey", request: { name } },
  rest: { method: "GET", path: `/keys/${name}` },
});

const sign = (name: string, algorithm = "ES256", digest: Uint8Array = DIGEST): Step => ({
  grpc: { service: "crypto", method: "sign", request: { name, algorithm, digest } },
  rest: { method: "POST", path: `/keys/${name}//sign`, body: { alg: algorithm, value: b64(digest) } },
});

const named =
  (grpcMethod: string, restMethod: string, path: string) =>
  (name: string): Step => ({
    grpc: { service: "keys", method: grpcMethod, request: { name } },
    rest: { method: restMethod, path: path.replace("{name}", name) },
  });
const deleteKey = named("deleteKey", "DELETE", "/keys/{name}");
const getDeleted = named("getDeletedKey", "GET", "/deletedkeys/{name}");
const recover = named("recoverDeletedKey", "POST", "/deletedkeys/{name}/recover");
const purge = named("purgeDeletedKey", "DELETE", "/deletedkeys/{name}");

/** A key bundle's user-visible facts, from either door's shape. */
function facts(outcome: Outcome): Record<string, unknown> {
  const bundle = outcome.value.key?.key !== undefined && outcome.value.key?.attributes !== undefined ? outcome.value.key : outcome.value;
  const jwk = bundle.key;
  const attributes = bundle.attributes;
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    keyOps: [...(jwk.key_ops ?? jwk.keyOps)].sort(),
    enabled: attributes.enabled,
    // gRPC's int64 arrives as a bigint, Key Vault's JSON as a number.
    nbf: attributes.nbf === undefined ? undefined : Number(attributes.nbf),
    exp: attributes.exp === undefined ? undefined : Number(attributes.exp),
    recoveryLevel: attributes.recoveryLevel,
    recoverableDays: attributes.recoverableDays,
    exportable: attributes.exportable,
    tags: { ...bundle.tags },
  };
}

describe("the gRPC and REST doors give the same outcomes", () => {
  it("RBAC: each role's allowed and denied operations agree, PERMISSION_DENIED <-> 403 Forbidden", async () => {
    const operations: Record<string, (caller: string) => Step | ((door: "grpc" | "rest") => Step)> = {
      get: () => getKey("parity-ec"),
      sign: () => sign("parity-ec"),
      create: (caller) => (door) => createEc(`matrix-${caller}-${door}`),
      list: () => ({ grpc: { service: "keys", method: "listKeys", request: {} }, rest: { method: "GET", path: "/keys" } }),
      rng: () => ({
        grpc: { service: "keys", method: "getRandomBytes", request: { count: 8 } },
        rest: { method: "POST", path: "/rng", body: { count: 8 } },
      }),
      // Allowed but missing is 404 on both doors; denied is 403 before the key is looked for.
      deleteMissing: () => deleteKey("no-such-key"),
    };
    const callers = { officer: kv.officer, remote: kv.remote, stranger: kv.stranger };
    const matrix: Record<string, Record<string, string>> = {};
    for (const [caller, token] of Object.entries(callers)) {
      matrix[caller] = {};
      for (const [operation, step] of Object.entries(operations)) {
        const { rest } = await bothDoors(token, step(caller));
        matrix[caller]![operation] = rest.code;
        if (rest.code === "Forbidden") expect(rest.message).toMatch(/not authorized to perform Microsoft\.KeyVault\/managedHsm\//);
      }
    }
    expect(matrix).toEqual({
      officer: { get: "OK", sign: "OK", create: "OK", list: "OK", rng: "Forbidden", deleteMissing: "KeyNotFound" },
      remote: { get: "Forbidden", sign: "OK", create: "Forbidden", list: "Forbidden", rng: "OK", deleteMissing: "Forbidden" },
      stranger: {
        get: "Forbidden",
        sign: "Forbidden",
        create: "Forbidden",
        list: "Forbidden",
        rng: "Forbidden",
        deleteMissing: "Forbidden",
      },
    });
  });

  it("attributes, key_ops and tags round-trip the same, whichever door made or reads the key", async () => {
    const now = Math.floor(Date.now() / 1000);
    const attributes = { enabled: true, nbf: now - 60, exp: now + 86_400 };
    const made = await bothDoors(kv.officer, (door) =>
      createEc(`attrs-${door}`, { keyOps: ["verify", "sign"], attributes, tags: { team: "a", env: "test" } }),
    );
    expect(facts(made.grpc)).toEqual(facts(made.rest));
    expect(facts(made.rest)).toMatchObject({ ...attributes, keyOps: ["sign", "verify"], tags: { team: "a", env: "test" } });
    // Each door reads the other's key as it reads its own.
    for (const name of ["attrs-grpc", "attrs-rest"]) {
      const read = await bothDoors(kv.officer, getKey(name));
      expect(facts(read.grpc)).toEqual(facts(made.rest));
      expect(facts(read.rest)).toEqual(facts(made.rest));
    }

    // Disabled, then not yet valid: both doors refuse the same way, and the fields left out stay as they were.
    const update = (door: "grpc" | "rest", change: { enabled?: boolean; nbf?: number }, tags?: Record<string, string>): Step => ({
      grpc: {
        service: "keys",
        method: "updateKey",
        request: { name: `attrs-${door}`, attributes: change, ...(tags === undefined ? {} : { tags: { values: tags } }) },
      },
      rest: { method: "PATCH", path: `/keys/attrs-${door}/`, body: { attributes: change, ...(tags === undefined ? {} : { tags }) } },
    });
    const disabled = await bothDoors(kv.officer, (door) => update(door, { enabled: false }, { team: "b" }));
    expect(facts(disabled.grpc)).toEqual(facts(disabled.rest));
    expect(facts(disabled.rest)).toMatchObject({ enabled: false, exp: attributes.exp, keyOps: ["sign", "verify"], tags: { team: "b" } });
    const refusedDisabled = await bothDoors(kv.officer, (door) => sign(`attrs-${door}`));
    expect(refusedDisabled.rest).toMatchObject({ status: 403, code: "Forbidden" });

    await bothDoors(kv.officer, (door) => update(door, { enabled: true, nbf: now + 86_000 }));
    const refusedEarly = await bothDoors(kv.officer, (door) => sign(`attrs-${door}`));
    expect(refusedEarly.rest).toMatchObject({ status: 403, code: "Forbidden" });
    // The same words on both doors, but for the key's own name and version.
    const unnamed = (message: string) => message.replace(/attrs-(grpc|rest)/g, "KEY").replace(/\b[0-9a-f]{32}\b/g, "VERSION");
    expect(unnamed(refusedEarly.rest.message)).toBe(unnamed(refusedEarly.grpc.message));
    expect(refusedEarly.rest.message).toMatch(/not valid before/);

    // Valid again it signs; with key_ops narrowed to verify it does not, on either door.
    await bothDoors(kv.officer, (door) => update(door, { nbf: now - 60 }));
    expect((await bothDoors(kv.officer, (door) => sign(`attrs-${door}`))).rest.code).toBe("OK");
    const narrowed = await bothDoors(kv.officer, (door) => ({
      grpc: { service: "keys", method: "updateKey", request: { name: `attrs-${door}`, keyOps: { values: ["verify"] } } },
      rest: { method: "PATCH", path: `/keys/attrs-${door}/`, body: { key_ops: ["verify"] } },
    }));
    expect(facts(narrowed.grpc)).toEqual(facts(narrowed.rest));
    expect(facts(narrowed.rest)).toMatchObject({ keyOps: ["verify"], enabled: true, tags: { team: "b" } });
    const outside = await bothDoors(kv.officer, (door) => sign(`attrs-${door}`));
    expect(outside.rest).toMatchObject({ status: 403, code: "Forbidden" });
  });

  it("soft delete: delete, get deleted, name held, recover, purge give the same outcomes", async () => {
    await bothDoors(kv.officer, (door) => createEc(`soft-${door}`));
    const steps: [string, (name: string) => Step, string][] = [
      ["delete", deleteKey, "OK"],
      ["get after delete", getKey, "KeyNotFound"],
      ["get deleted", getDeleted, "OK"],
      ["create over a deleted name", (name) => createEc(name), "Conflict"],
      ["recover", recover, "OK"],
      ["get after recover", getKey, "OK"],
      ["delete again", deleteKey, "OK"],
      ["purge", purge, "OK"],
      ["get deleted after purge", getDeleted, "KeyNotFound"],
      ["purge again", purge, "KeyNotFound"],
    ];
    for (const [label, step, expected] of steps) {
      const outcome = await bothDoors(kv.officer, (door) => step(`soft-${door}`));
      expect(outcome.rest.code, label).toBe(expected);
      if (label === "get deleted") {
        const grpcDeleted = outcome.grpc.value.deletedKey;
        const restDeleted = outcome.rest.value;
        expect(new URL(grpcDeleted.recoveryId).pathname).toBe("/deletedkeys/soft-grpc");
        expect(new URL(restDeleted.recoveryId).pathname).toBe("/deletedkeys/soft-rest");
        // hsm-a keeps deleted keys for the default 90 days, on both doors.
        expect(Number(grpcDeleted.scheduledPurgeDate - grpcDeleted.deletedDate)).toBe(90 * 86_400);
        expect(restDeleted.scheduledPurgeDate - restDeleted.deletedDate).toBe(90 * 86_400);
        expect(facts({ ...outcome.grpc, value: grpcDeleted.key })).toEqual(facts(outcome.rest));
      }
    }
    // The created name is free again on both doors.
    expect((await bothDoors(kv.officer, (door) => createEc(`soft-${door}`))).rest.code).toBe("OK");
  });

  it("bad input: INVALID_ARGUMENT <-> 400 BadParameter, naming the same field", async () => {
    const cases: [string, Step, string][] = [
      ["unknown algorithm", sign("parity-ec", "ES999"), "algorithm"],
      ["algorithm of another key type", sign("parity-ec", "PS256"), "algorithm"],
      ["digest of the wrong length", sign("parity-ec", "ES256", DIGEST.subarray(0, 20)), "digest"],
      ["unknown key type", retype(createEc("bad-kty"), { kty: "DSA" }), "kty"],
      ["unknown curve", retype(createEc("bad-crv"), { crv: "P-999" }), "crv"],
      ["missing key type", retype(createEc("no-kty"), { kty: undefined }), "kty"],
      ["unknown key_ops entry", retype(createEc("bad-ops"), { keyOps: ["sign", "fly"] }), "key_ops"],
      [
        "random byte count out of range",
        {
          grpc: { service: "keys", method: "getRandomBytes", request: { count: 1000 } },
          rest: { method: "POST", path: "/rng", body: { count: 1000 } },
        },
        "count",
      ],
    ];
    for (const [label, step, field] of cases) {
      const { grpc, rest } = await bothDoors(kv.officer, step);
      expect([rest.status, rest.code], label).toEqual([400, "BadParameter"]);
      expect([fieldOf(grpc.message), fieldOf(rest.message)], `${label}: ${grpc.message} | ${rest.message}`).toEqual([field, field]);
    }
    // Base64url exists only on the REST wire (gRPC carries bytes): it is refused naming Key Vault's field.
    const bad = await viaRest(kv.officer, {
      grpc: sign("parity-ec").grpc,
      rest: { ...sign("parity-ec").rest, body: { alg: "ES256", value: "***" } },
    });
    expect([bad.status, bad.code, fieldOf(bad.message)]).toEqual([400, "BadParameter", "value"]);
  });

  it("refuses an expired token, a forged signature and altered claims alike: UNAUTHENTICATED <-> 401 with the challenge", async () => {
    const { node } = kv.server;
    // A token the node's own issuer signed two hours ago for one hour: genuine, but expired beyond the 5-minute skew.
    const pastIssuer = await TokenIssuer.open(node.store, node.issuer.settings, () => Date.now() - 2 * 3_600_000);
    const expired = (await pastIssuer.issue({ principal: kv.server.admin, plane: "data", ttlSeconds: 3_600 })).accessToken;
    const [header, payload, signature] = kv.officer.split(".") as [string, string, string];
    // The officer's token with its signature's last bytes changed.
    const flipped = Buffer.from(signature, "base64url");
    flipped[flipped.length - 1]! ^= 0xff;
    const forgedSignature = `${header}.${payload}.${b64(flipped)}`;
    // The officer's signature over claims that now name the admin.
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const altered = `${header}.${b64(Buffer.from(JSON.stringify({ ...claims, oid: kv.server.admin.id })))}.${signature}`;
    for (const [label, token] of Object.entries({ expired, forgedSignature, altered })) {
      const { grpc, rest } = await bothDoors(token, getKey("parity-ec"));
      expect([rest.status, rest.code], label).toEqual([401, "Unauthorized"]);
      expect(grpc.code, label).toBe("Unauthorized");
    }
    const expiredAnswer = await bothDoors(expired, getKey("parity-ec"));
    expect(expiredAnswer.rest.message).toMatch(/expired/);
    // The genuine token still works on both doors.
    expect((await bothDoors(kv.officer, getKey("parity-ec"))).rest.code).toBe("OK");
  });
});

/** The same step with some create fields changed or removed (undefined), on both doors' spellings. */
function retype(step: Step, change: { kty?: string | undefined; crv?: string; keyOps?: string[] }): Step {
  const grpcRequest: Record<string, unknown> = { ...step.grpc.request };
  const restBody: Record<string, unknown> = { ...(step.rest.body as object) };
  for (const [field, value] of Object.entries(change)) {
    const restField = field === "keyOps" ? "key_ops" : field;
    if (value === undefined) {
      delete grpcRequest[field];
      delete restBody[restField];
    } else {
      grpcRequest[field] = value;
      restBody[restField] = value;
    }
  }
  return { grpc: { ...step.grpc, request: grpcRequest }, rest: { ...step.rest, body: restBody } };
}
