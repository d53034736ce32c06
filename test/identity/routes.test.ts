import Fastify, { type FastifyInstance } from "fastify";
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { createHash, X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { identityRoutes } from "../../src/identity/http/identity-routes.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { fixtureKey, identityFixture, selfSignedCertificate, type IdentityFixture } from "./helpers.js";

const IDENTITY_HEADER = "msi-secret-for-tests";
const DATA_SCOPE = "https://managedhsm.azure.net/.default";
const MANAGEMENT_SCOPE = "https://management.azure.com/.default";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

interface Harness extends IdentityFixture {
  app: FastifyInstance;
}
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.app.close();
    await h.store.close();
  }
});

async function harness(): Promise<Harness> {
  const f = await identityFixture();
  const app = Fastify({ logger: false });
  await app.register(identityRoutes, {
    directory: f.directory,
    credentials: f.credentials,
    issuer: f.issuer,
    managedIdentity: { identityHeader: IDENTITY_HEADER },
  });
  await app.ready();
  const h = { ...f, app };
  harnesses.push(h);
  return h;
}

function postToken(h: Harness, form: Record<string, string>, tenant: string = h.tenant.id, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: "POST",
    url: `/${tenant}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

async function servicePrincipalWithSecret(h: Harness): Promise<{ sp: PrincipalRecord; secret: string }> {
  const sp = await h.directory.createServicePrincipal(h.tenant.id, { displayName: "payments" });
  const added = await h.credentials.addPassword(h.tenant.id, sp.id, { displayName: "ci" });
  return { sp, secret: added.secretText };
}

function expectOAuthError(response: { statusCode: number; json: () => unknown; body: string }, status: number, error: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toMatchObject({ error, error_description: expect.any(String) });
  expect(response.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/);
}

describe("token endpoint: client credentials with a secret", () => {
  it("issues a data-plane token for the right secret and refuses a wrong one", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const ok = await postToken(h, {
      grant_type: "client_credentials",
      client_id: sp.appId ?? "",
      client_secret: secret,
      scope: DATA_SCOPE,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers["cache-control"]).toBe("no-store");
    const body = ok.json() as { token_type: string; expires_in: number; access_token: string };
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(3600);
    expect(await h.verifyToken(body.access_token, { plane: "data" })).toMatchObject({ oid: sp.id, appid: sp.appId });

    const wrong = await postToken(h, {
      grant_type: "client_credentials",
      client_id: sp.appId ?? "",
      client_secret: `${secret}x`,
      scope: DATA_SCOPE,
    });
    expectOAuthError(wrong, 401, "invalid_client");
    expect(wrong.body).not.toContain(secret);
  });

  it("accepts HTTP Basic client authentication and the management scope", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const basic = Buffer.from(`${sp.appId}:${secret}`).toString("base64");
    const response = await postToken(h, { grant_type: "client_credentials", scope: MANAGEMENT_SCOPE }, h.tenant.id, {
      authorization: `Basic ${basic}`,
    });
    expect(response.statusCode).toBe(200);
    const token = (response.json() as { access_token: string }).access_token;
    expect((await h.verifyToken(token, { plane: "management" })).oid).toBe(sp.id);
    await expect(h.verifyToken(token, { plane: "data" })).rejects.toMatchObject({ code: "Unauthorized" });
    const malformed = Buffer.from(`${sp.appId}:%E0%A4%A`).toString("base64");
    expectOAuthError(
      await postToken(h, { grant_type: "client_credentials", scope: DATA_SCOPE }, h.tenant.id, { authorization: `Basic ${malformed}` }),
      401,
      "invalid_client",
    );
  });

  it("refuses a disabled application, an expired or removed secret, and another tenant's path", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const form = { grant_type: "client_credentials", client_id: sp.appId ?? "", client_secret: secret, scope: DATA_SCOPE };
    await h.directory.setEnabled(h.tenant.id, sp.id, false);
    expectOAuthError(await postToken(h, form), 401, "invalid_client");
    await h.directory.setEnabled(h.tenant.id, sp.id, true);
    expect((await postToken(h, form)).statusCode).toBe(200);

    const other = await h.directory.createTenant({ name: "fabrikam" });
    expectOAuthError(await postToken(h, form, other.id), 401, "invalid_client");

    const short = await h.credentials.addPassword(h.tenant.id, sp.id, { endDateTime: h.clock.now + 60_000 });
    const shortForm = { ...form, client_secret: short.secretText };
    expect((await postToken(h, shortForm)).statusCode).toBe(200);
    h.clock.now += 120_000;
    expectOAuthError(await postToken(h, shortForm), 401, "invalid_client");

    const credential = (await h.credentials.list(h.tenant.id, sp.id)).find((c) => c.displayName === "ci");
    await h.credentials.remove(h.tenant.id, sp.id, credential?.keyId ?? "");
    expectOAuthError(await postToken(h, form), 401, "invalid_client");
  });

  it("accepts the tenant's name in the path and still issues for the tenant id", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const response = await postToken(
      h,
      { grant_type: "client_credentials", client_id: sp.appId ?? "", client_secret: secret, scope: DATA_SCOPE },
      "contoso",
    );
    expect(response.statusCode).toBe(200);
    expect(
      (await h.verifyToken((response.json() as { access_token: string }).access_token, { plane: "data", tenantId: h.tenant.id })).tid,
    ).toBe(h.tenant.id);
  });
});

describe("token endpoint: malformed requests", () => {
  it("answers each mistake with the standard error and no stack trace", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const base = { grant_type: "client_credentials", client_id: sp.appId ?? "", client_secret: secret, scope: DATA_SCOPE };
    expectOAuthError(await postToken(h, { ...base, scope: "https://graph.microsoft.com/.default" }), 400, "invalid_scope");
    expectOAuthError(await postToken(h, { ...base, scope: `${DATA_SCOPE} ${MANAGEMENT_SCOPE}` }), 400, "invalid_scope");
    expect((await postToken(h, { ...base, scope: `openid ${DATA_SCOPE}` })).statusCode).toBe(200);
    expectOAuthError(await postToken(h, { ...base, grant_type: "authorization_code" }), 400, "unsupported_grant_type");
    const { scope: _omitted, ...noScope } = base;
    expectOAuthError(await postToken(h, noScope), 400, "invalid_request");
    expectOAuthError(await postToken(h, base, crypto.randomUUID()), 400, "invalid_request");
    expectOAuthError(await postToken(h, { ...base, client_assertion_type: "urn:other" }), 400, "invalid_request");

    const duplicate = await h.app.inject({
      method: "POST",
      url: `/${h.tenant.id}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `${new URLSearchParams(base).toString()}&scope=${encodeURIComponent(MANAGEMENT_SCOPE)}`,
    });
    expectOAuthError(duplicate, 400, "invalid_request");
    const json = await h.app.inject({ method: "POST", url: `/${h.tenant.id}/oauth2/v2.0/token`, payload: base });
    expectOAuthError(json, 400, "invalid_request");
    const huge = await postToken(h, { ...base, padding: "x".repeat(100_000) });
    expectOAuthError(huge, 400, "invalid_request");
  });
});

describe("token endpoint: password grant", () => {
  it("issues a token with upn for the right password; refuses a wrong password and a disabled user", async () => {
    const h = await harness();
    const user = await h.directory.createUser(h.tenant.id, {
      userPrincipalName: "ada@contoso",
      displayName: "Ada",
      password: "correct horse",
    });
    const form = { grant_type: "password", username: "ada@contoso", password: "correct horse", scope: DATA_SCOPE };
    const ok = await postToken(h, form);
    expect(ok.statusCode).toBe(200);
    expect(await h.verifyToken((ok.json() as { access_token: string }).access_token, { plane: "data" })).toMatchObject({
      oid: user.id,
      upn: "ada@contoso",
    });
    expectOAuthError(await postToken(h, { ...form, password: "wrong horse" }), 400, "invalid_grant");
    expectOAuthError(await postToken(h, { ...form, username: "nobody@contoso" }), 400, "invalid_grant");
    await h.directory.setEnabled(h.tenant.id, user.id, false);
    expectOAuthError(await postToken(h, form), 400, "invalid_grant");
  });
});

describe("token endpoint: client assertion with a certificate", () => {
  async function certificateClient(h: Harness) {
    const key = fixtureKey("rsa-2048-1");
    const pem = selfSignedCertificate(key, "payments");
    const sp = await h.directory.createServicePrincipal(h.tenant.id, { displayName: "payments" });
    const info = await h.credentials.addCertificate(h.tenant.id, sp.id, { certificatePem: pem });
    const x5tS256 = createHash("sha256").update(new X509Certificate(pem).raw).digest("base64url");
    expect(info.thumbprint).toBe(x5tS256);
    return { sp, key, x5tS256 };
  }

  const assertion = (clientId: string, audience: string, signer: ReturnType<typeof fixtureKey>, header: Record<string, string>) =>
    new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: "PS256", ...header })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(signer.privateKey);

  it("issues a token for an assertion signed by the certificate's key and refuses a wrong key or audience", async () => {
    const h = await harness();
    const { sp, key, x5tS256 } = await certificateClient(h);
    const appId = sp.appId ?? "";
    const endpoint = `https://keyhold.test:8443/${h.tenant.id}/oauth2/v2.0/token`;
    const form = (clientAssertion: string) => ({
      grant_type: "client_credentials",
      client_id: appId,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion,
      scope: DATA_SCOPE,
    });

    const ok = await postToken(h, form(await assertion(appId, endpoint, key, { "x5t#S256": x5tS256 })));
    expect(ok.statusCode).toBe(200);
    expect((await h.verifyToken((ok.json() as { access_token: string }).access_token, { plane: "data" })).oid).toBe(sp.id);
    // Without a thumbprint header every certificate of the client is tried.
    expect((await postToken(h, form(await assertion(appId, endpoint, key, {})))).statusCode).toBe(200);

    const wrongKey = fixtureKey("rsa-2048-2");
    expectOAuthError(await postToken(h, form(await assertion(appId, endpoint, wrongKey, { "x5t#S256": x5tS256 }))), 401, "invalid_client");
    expectOAuthError(await postToken(h, form(await assertion(appId, "https://elsewhere.test/token", key, {}))), 401, "invalid_client");
    expectOAuthError(await postToken(h, form(await assertion(appId, endpoint, key, { "x5t#S256": "AAAA" }))), 401, "invalid_client");
    expectOAuthError(
      await postToken(h, { ...form(await assertion(appId, endpoint, key, {})), client_id: crypto.randomUUID() }),
      401,
      "invalid_client",
    );
    expectOAuthError(await postToken(h, form("not-a-jwt")), 400, "invalid_request");
  });
});

describe("discovery", () => {
  it("publishes the OpenID configuration and the keys that verify issued tokens", async () => {
    const h = await harness();
    const { sp, secret } = await servicePrincipalWithSecret(h);
    const config = (await h.app.inject({ method: "GET", url: `/${h.tenant.id}/v2.0/.well-known/openid-configuration` })).json() as Record<
      string,
      string
    >;
    expect(config["issuer"]).toBe(`https://keyhold.test:8443/${h.tenant.id}/v2.0`);
    expect(config["token_endpoint"]).toBe(`https://keyhold.test:8443/${h.tenant.id}/oauth2/v2.0/token`);
    expect(config["jwks_uri"]).toBe(`https://keyhold.test:8443/${h.tenant.id}/discovery/v2.0/keys`);

    const jwks = (await h.app.inject({ method: "GET", url: `/${h.tenant.id}/discovery/v2.0/keys` })).json() as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    const token = (
      (
        await postToken(h, { grant_type: "client_credentials", client_id: sp.appId ?? "", client_secret: secret, scope: DATA_SCOPE })
      ).json() as { access_token: string }
    ).access_token;
    const verified = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: config["issuer"] ?? "" });
    expect(verified.payload.oid).toBe(sp.id);

    const unknown = await h.app.inject({ method: "GET", url: `/${crypto.randomUUID()}/discovery/v2.0/keys` });
    expectOAuthError(unknown, 400, "invalid_request");
  });
});

describe("managed identity endpoint", () => {
  it("issues App Service-shaped tokens only with the right X-IDENTITY-HEADER", async () => {
    const h = await harness();
    const mi = await h.directory.createManagedIdentity(h.tenant.id, { displayName: "storage identity" });
    const url = (query: Record<string, string>) =>
      `/msi/token?${new URLSearchParams({ "api-version": "2019-08-01", ...query }).toString()}`;
    const byPrincipal = await h.app.inject({
      method: "GET",
      url: url({ resource: "https://managedhsm.azure.net", principal_id: mi.id }),
      headers: { "x-identity-header": IDENTITY_HEADER },
    });
    expect(byPrincipal.statusCode).toBe(200);
    const body = byPrincipal.json() as { access_token: string; expires_on: string; resource: string; token_type: string };
    expect(body).toMatchObject({ resource: "https://managedhsm.azure.net", token_type: "Bearer" });
    expect(Number(body.expires_on)).toBe(Math.floor(h.clock.now / 1000) + 3600);
    expect(await h.verifyToken(body.access_token, { plane: "data" })).toMatchObject({
      oid: mi.id,
      kind: "managedIdentity",
      appid: mi.appId,
    });

    const byClient = await h.app.inject({
      method: "GET",
      url: url({ resource: "https://management.azure.com/", client_id: mi.appId ?? "" }),
      headers: { "x-identity-header": IDENTITY_HEADER },
    });
    expect(byClient.statusCode).toBe(200);
    expect((await h.verifyToken((byClient.json() as { access_token: string }).access_token, { plane: "management" })).oid).toBe(mi.id);

    const withoutHeader = await h.app.inject({
      method: "GET",
      url: url({ resource: "https://managedhsm.azure.net", principal_id: mi.id }),
    });
    expectOAuthError(withoutHeader, 401, "invalid_client");
    const wrongHeader = await h.app.inject({
      method: "GET",
      url: url({ resource: "https://managedhsm.azure.net", principal_id: mi.id }),
      headers: { "x-identity-header": `${IDENTITY_HEADER}!` },
    });
    expectOAuthError(wrongHeader, 401, "invalid_client");

    const headers = { "x-identity-header": IDENTITY_HEADER };
    expectOAuthError(
      await h.app.inject({ method: "GET", url: url({ resource: "https://vault.azure.net", principal_id: mi.id }), headers }),
      400,
      "invalid_scope",
    );
    expectOAuthError(
      await h.app.inject({ method: "GET", url: url({ resource: "https://managedhsm.azure.net" }), headers }),
      400,
      "invalid_request",
    );
    const sp = await h.directory.createServicePrincipal(h.tenant.id, { displayName: "not an mi" });
    expectOAuthError(
      await h.app.inject({ method: "GET", url: url({ resource: "https://managedhsm.azure.net", principal_id: sp.id }), headers }),
      400,
      "invalid_request",
    );
    await h.directory.setEnabled(h.tenant.id, mi.id, false);
    expectOAuthError(
      await h.app.inject({ method: "GET", url: url({ resource: "https://managedhsm.azure.net", principal_id: mi.id }), headers }),
      401,
      "invalid_client",
    );
  });
});
