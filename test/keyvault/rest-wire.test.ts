/**
 * The Key Vault door on the wire, without the SDK: the 401 challenge before the body, api-version, Host addressing,
 * Key Vault's error bodies for bad input and bad tokens, and that none of it stops the server serving.
 */
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DNS_SUFFIX, rawRequest, vaultUrl, type RawResponse } from "./helpers.js";
import { startKeyVaultFixture, type KeyVaultFixture } from "./fixture.js";

let kv: KeyVaultFixture;
let vault: string;
beforeAll(async () => {
  kv = await startKeyVaultFixture();
  vault = vaultUrl(kv.server);
  const created = await call("POST", "/keys/wire/create", kv.officer, { kty: "EC-HSM", crv: "P-256" });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  kv?.agent.destroy();
  await kv?.server.stop();
});

const API = "api-version=7.6";

function call(method: string, path: string, token: string | undefined, body?: unknown, base = vault): Promise<RawResponse> {
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return rawRequest(kv.agent, `${base}${path}${path.includes("?") ? "&" : "?"}${API}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(text === undefined ? {} : { body: text }),
  });
}

/** Key Vault's error body, with nothing of a stack trace or of keyhold's internals. */
function expectKeyVaultError(response: RawResponse, status: number, code: string): string {
  expect(response.status).toBe(status);
  const body = response.json() as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d|KeyholdError/);
  return body.error.message;
}

describe("the 401 challenge", () => {
  it("answers token-less requests, empty JSON body included, with the challenge before reading the body", async () => {
    const tenant = kv.server.node.tenant.id;
    const issuer = kv.server.node.config.identity.issuerBaseUrl;
    const responses = await Promise.all(
      ["/keys/wire/create", "/keys/wire//sign", "/rng"].map((path) =>
        rawRequest(kv.agent, `${vault}${path}?${API}`, {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": "0" },
        }),
      ),
    );
    for (const response of responses) {
      expectKeyVaultError(response, 401, "Unauthorized");
      expect(response.headers["www-authenticate"]).toBe(
        `Bearer authorization="${issuer}/${tenant}", resource="https://managedhsm.azure.net"`,
      );
    }
    // A malformed body is not looked at before the token is.
    expectKeyVaultError(await call("POST", "/keys/wire//sign", undefined, "{not json"), 401, "Unauthorized");
  });

  it("refuses forged tokens, wrong-plane tokens and garbage with the challenge", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const forged = await new SignJWT({ oid: kv.server.admin.id, tid: kv.server.node.tenant.id })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer(`${kv.server.node.config.identity.issuerBaseUrl}/${kv.server.node.tenant.id}/v2.0`)
      .setAudience("https://managedhsm.azure.net")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const management = await kv.server.token(kv.server.admin, "management");
    for (const token of [forged, management, "not-a-jwt"]) {
      const response = await call("GET", "/keys/wire", token);
      expectKeyVaultError(response, 401, "Unauthorized");
      expect(response.headers["www-authenticate"]).toMatch(
        /^Bearer authorization="https:\/\/.+", resource="https:\/\/managedhsm\.azure\.net"$/,
      );
    }
  });
});

describe("api-version", () => {
  it("is required and must be one Key Vault serves", async () => {
    const missing = await rawRequest(kv.agent, `${vault}/keys/wire`, { headers: { authorization: `Bearer ${kv.officer}` } });
    expect(expectKeyVaultError(missing, 400, "BadParameter")).toMatch(/api-version/);
    const unknown = await rawRequest(kv.agent, `${vault}/keys/wire?api-version=7.3`, {
      headers: { authorization: `Bearer ${kv.officer}` },
    });
    expect(expectKeyVaultError(unknown, 400, "BadParameter")).toMatch(/The specified version \(7\.3\) is not recognized/);
    for (const version of ["7.4", "7.5", "7.6", "2025-07-01"]) {
      const ok = await rawRequest(kv.agent, `${vault}/keys/wire?api-version=${version}`, {
        headers: { authorization: `Bearer ${kv.officer}` },
      });
      expect(ok.status).toBe(200);
    }
  });
});

describe("Host addressing", () => {
  it("builds kid and nextLink from the request's origin", async () => {
    const key = (await call("GET", "/keys/wire/", kv.officer)).json() as { key: { kid: string } };
    expect(key.key.kid).toMatch(new RegExp(`^${vault.replace(/\./g, "\\.")}/keys/wire/[0-9a-f]{32}$`));
    // A POST with a JSON content type and no body, as curl sends it.
    expect((await call("POST", "/keys/wire/rotate", kv.officer)).status).toBe(200);
    const page = (await call("GET", "/keys/wire/versions?maxresults=1", kv.officer)).json() as { value: unknown[]; nextLink: string };
    expect(page.value).toHaveLength(1);
    expect(page.nextLink.startsWith(`${vault}/keys/wire/versions?`)).toBe(true);
    const next = await rawRequest(kv.agent, page.nextLink, { headers: { authorization: `Bearer ${kv.officer}` } });
    expect(next.status).toBe(200);
  });

  it("answers an unknown HSM host, after authentication, 404; localhost names no HSM when there are two", async () => {
    const unknown = await call("GET", "/keys/wire", kv.officer, undefined, vaultUrl(kv.server, "nowhere"));
    expect(expectKeyVaultError(unknown, 404, "NotFound")).toMatch(/nowhere/);
    expectKeyVaultError(await call("GET", "/keys/wire", undefined, undefined, vaultUrl(kv.server, "nowhere")), 401, "Unauthorized");
    const port = kv.server.node.addresses.https.split(":").pop();
    const local = await call("GET", "/keys/wire", kv.officer, undefined, `https://localhost:${port}`);
    // SPEC section 13: the refusal names the host names that do address an HSM.
    const hosts = expectKeyVaultError(local, 404, "NotFound");
    for (const hsm of ["hsm-a", "hsm-b"]) expect(hosts).toContain(`https://${hsm}.${DNS_SUFFIX}`);
    // Without a token it is the challenge, naming nothing.
    expectKeyVaultError(await call("GET", "/keys/wire", undefined, undefined, `https://localhost:${port}`), 401, "Unauthorized");
    // localhost with x-hsm-name reaches the HSM the header names.
    const named = await rawRequest(kv.agent, `https://localhost:${port}/keys/wire?${API}`, {
      headers: { authorization: `Bearer ${kv.officer}`, "x-hsm-name": "hsm-a" },
    });
    expect(named.status).toBe(200);
    expect(DNS_SUFFIX).toBe("managedhsm.keyhold.local");
  });
});

describe("bad input", () => {
  it("gets Key Vault's error body naming the field, and the server keeps serving", async () => {
    const cases: [string, string, unknown, number, string, RegExp][] = [
      ["POST", "/keys/wire//sign", "{not json", 400, "BadParameter", /body/],
      ["POST", "/keys/wire//sign", { alg: "ES256", value: "***" }, 400, "BadParameter", /value/],
      ["POST", "/keys/wire//sign", { alg: "ES256", value: 42 }, 400, "BadParameter", /value/],
      ["POST", "/keys/wire//sign", { alg: 7, value: "AAAA" }, 400, "BadParameter", /alg/],
      ["POST", "/keys/wire//sign", { alg: "ES256", value: "AAAA" }, 400, "BadParameter", /digest|length/],
      ["POST", "/keys/wire//sign", ["array"], 400, "BadParameter", /body/],
      ["POST", "/keys/other/create", { kty: "RSA-HSM", key_size: "big" }, 400, "BadParameter", /key_size/],
      ["POST", "/keys/other/create", { kty: "DSA" }, 400, "BadParameter", /kty/],
      ["POST", "/keys/other/create", { kty: "EC", crv: "P-256", attributes: { exportable: true } }, 400, "BadParameter", /exportable/],
      ["PATCH", "/keys/wire/", { key_ops: "sign" }, 400, "BadParameter", /key_ops/],
      ["GET", "/keys?maxresults=26", undefined, 400, "BadParameter", /maxresults/],
      ["POST", "/rng", { count: 1000 }, 400, "BadParameter", /count/],
      ["GET", "/keys/absent", undefined, 404, "KeyNotFound", /absent/],
    ];
    for (const [method, path, body, status, code, field] of cases) {
      const message = expectKeyVaultError(await call(method, path, kv.officer, body), status, code);
      expect(message, `${method} ${path}`).toMatch(field);
    }
    const oversized = await call("POST", "/keys/wire//sign", kv.officer, { alg: "ES256", value: "A".repeat(5 * 1024 * 1024) });
    expect([400, 413]).toContain(oversized.status);
    expect(oversized.body).not.toMatch(/node_modules|\.ts:\d/);
    const verify = await call("POST", "/keys/wire//verify", kv.officer, { alg: "ES256", digest: "A".repeat(43), value: "A".repeat(86) });
    expect([verify.status, verify.json()]).toEqual([200, { value: false }]);
    expect((await call("GET", "/keys/wire", kv.officer)).status).toBe(200);
  });
});
