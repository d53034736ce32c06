/**
 * The security core as a client meets it: tokens from the HTTPS token
 * endpoint, calls through the HTTPS routes and the pipeline, and the audit
 * journal afterwards.
 */
import { SignJWT, generateKeyPair } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_AUDITOR } from "../../src/authz/index.js";
import { PUBLIC_ROUTE_PREFIXES } from "../../src/transport/http/app.js";
import { securityCore, type SecurityCore } from "./helpers.js";

let core: SecurityCore;
afterEach(async () => {
  await core?.close();
});

async function tokenFor(form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const response = await core.https.app.inject({
    method: "POST",
    url: `/${core.tenant.id}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: response.json() };
}

async function graph(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, token: string | undefined, payload?: unknown) {
  const response = await core.https.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.body === "" ? undefined : response.json(), headers: response.headers };
}

const MANAGEMENT_SCOPE = "https://management.azure.com/.default";
const DATA_SCOPE = "https://managedhsm.azure.net/.default";

describe("security core scenarios", () => {
  it("a service principal gets a token with its secret, and is refused with a wrong one", async () => {
    core = await securityCore();
    const admin = (
      await tokenFor({ grant_type: "password", username: "admin@contoso.test", password: "Admin-password-1!", scope: MANAGEMENT_SCOPE })
    ).body.access_token!;
    const sp = await graph("POST", "/v1.0/servicePrincipals", admin, { displayName: "signing-app" });
    expect(sp.status).toBe(201);
    const secret = await graph("POST", `/v1.0/servicePrincipals/${sp.body.id}/addPassword`, admin, {});
    expect(secret.status, JSON.stringify(secret.body)).toBe(200);
    const ok = await tokenFor({
      grant_type: "client_credentials",
      client_id: sp.body.appId,
      client_secret: secret.body.secretText,
      scope: DATA_SCOPE,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.token_type).toBe("Bearer");
    const wrong = await tokenFor({
      grant_type: "client_credentials",
      client_id: sp.body.appId,
      client_secret: "not-the-secret",
      scope: DATA_SCOPE,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");

    // The app's data-plane token reaches the pipeline and is refused for lack of a role, not of identity.
    const list = core.table.get("RoleDefinitionList")!;
    const error = await core.pipeline.dispatch(list, {}, core.meta(ok.body.access_token)).catch((e: { code: string }) => e.code);
    expect(error).toBe("ForbiddenByRbac");
  });

  it("a data-plane token is refused by the management plane and the reverse", async () => {
    core = await securityCore();
    const data = (
      await tokenFor({ grant_type: "password", username: "admin@contoso.test", password: "Admin-password-1!", scope: DATA_SCOPE })
    ).body.access_token!;
    const management = (
      await tokenFor({ grant_type: "password", username: "admin@contoso.test", password: "Admin-password-1!", scope: MANAGEMENT_SCOPE })
    ).body.access_token!;
    expect((await graph("GET", "/v1.0/users", data)).status).toBe(401);
    expect((await graph("GET", "/v1.0/users", management)).status).toBe(200);
    const list = core.table.get("RoleDefinitionList")!;
    expect(await core.pipeline.dispatch(list, {}, core.meta(management)).catch((e: { code: string }) => e.code)).toBe("Unauthorized");
    expect(Array.isArray(((await core.pipeline.dispatch(list, {}, core.meta(data))) as { items: unknown[] }).items)).toBe(true);
  });

  it("refuses tokens signed by an unknown key, with alg none, expired by 6 minutes, or for another tenant", async () => {
    core = await securityCore();
    const claims = { tid: core.tenant.id, oid: core.admin.id, ver: "2.0" };
    const iss = `${core.settings.baseUrl}/${core.tenant.id}/v2.0`;
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = await generateKeyPair("ES256");
    const unknownKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "rogue" })
      .setIssuer(iss)
      .setAudience(core.settings.audiences.management)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify({ ...claims, iss, aud: core.settings.audiences.management, exp: now + 3600 })).toString("base64url")}.`;
    const expired = (await core.issuer.issue({ principal: core.admin, plane: "management", ttlSeconds: 60 })).accessToken;
    const other = await core.directory.createTenant({ name: "fabrikam" });
    const stranger = await core.directory.createUser(other.id, {
      userPrincipalName: "x@fabrikam.test",
      displayName: "X",
      password: "Pass-word-123!",
      enabled: true,
    });
    const foreign = await core.token(stranger, "management");

    core.clock.now += 7 * 60 * 1000; // the 60-second token is now 6 minutes past its expiry
    for (const token of [unknownKey, none, expired]) {
      const response = await graph("GET", "/v1.0/users", token);
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe(
        `Bearer authorization="${core.settings.baseUrl}/${core.tenant.id}", resource="${core.settings.audiences.management}"`,
      );
    }
    // A token of another tenant is valid there, but not for this tenant's HSM.
    const list = core.table.get("RoleDefinitionList")!;
    expect(await core.pipeline.dispatch(list, {}, core.meta(foreign.replace(/^/, ""), {})).catch((e: { code: string }) => e.code)).toBe(
      "Unauthorized",
    );
  });

  it("only directory administrators administer the directory, and errors name the field", async () => {
    core = await securityCore();
    const admin = await core.token(core.admin, "management");
    const created = await graph("POST", "/v1.0/users", admin, {
      userPrincipalName: "bob@contoso.test",
      displayName: "Bob",
      passwordProfile: { password: "Bob-password-1!" },
    });
    expect(created.status).toBe(201);
    const bob = await core.directory.getPrincipal(core.tenant.id, created.body.id);
    const bobToken = await core.token(bob, "management");
    const refused = await graph("GET", "/v1.0/users", bobToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("ForbiddenByRbac");
    const bad = await graph("POST", "/v1.0/users", admin, { userPrincipalName: "carol@contoso.test", displayName: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/displayName/);
    const malformed = await core.https.app.inject({
      method: "POST",
      url: "/v1.0/users",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("BadParameter");
    expect(malformed.body).not.toMatch(/at .*\.js/);
  });

  it("never writes tokens, passwords or client secrets into the journal", async () => {
    core = await securityCore();
    const password = "Recognizable-Password-7731!";
    const admin = await core.token(core.admin, "management");
    const user = await graph("POST", "/v1.0/users", admin, {
      userPrincipalName: "dave@contoso.test",
      displayName: "Dave",
      passwordProfile: { password },
    });
    await graph("PATCH", `/v1.0/users/${user.body.id}`, admin, { passwordProfile: { password: `${password}-2` } });
    const sp = await graph("POST", "/v1.0/servicePrincipals", admin, { displayName: "app" });
    const secret = (await graph("POST", `/v1.0/servicePrincipals/${sp.body.id}/addPassword`, admin, {})).body.secretText as string;
    const appToken = (
      await tokenFor({ grant_type: "client_credentials", client_id: sp.body.appId, client_secret: secret, scope: DATA_SCOPE })
    ).body.access_token!;
    const dataToken = await core.token(core.admin);
    await core.pipeline.dispatch(
      core.table.get("RoleAssignmentCreate")!,
      { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_AUDITOR.id, principalId: sp.body.id },
      core.meta(dataToken),
    );
    await core.pipeline.dispatch(core.table.get("RoleDefinitionList")!, {}, core.meta(appToken));
    await graph("GET", "/v1.0/users", `${admin}x`);

    const journal = await core.journalBytes();
    expect((await core.events()).length).toBeGreaterThanOrEqual(7);
    for (const secretValue of [
      password,
      secret,
      admin,
      appToken,
      dataToken,
      ...[admin, appToken, dataToken].map((t) => t.split(".")[2]!),
    ]) {
      expect(journal.includes(secretValue)).toBe(false);
    }
  });

  it("serves no HTTPS route outside the operations table except the declared public ones", async () => {
    core = await securityCore();
    for (const route of core.https.routes) {
      const bound = route.operation !== undefined && core.table.has(route.operation);
      expect(bound || PUBLIC_ROUTE_PREFIXES.includes(route.url), `${route.method} ${route.url}`).toBe(true);
    }
    // Every Graph operation is reachable over HTTPS (the data-plane operations are served by gRPC).
    const routed = new Set(core.https.routes.map((r) => r.operation));
    const graphOperations = [...core.table.values()].filter((op) => op.authorization.kind === "directoryAdministrator");
    expect(graphOperations.filter((op) => !routed.has(op.name)).map((op) => op.name)).toEqual([]);
  });
});
