import type { FastifyInstance } from "fastify";
import type { PrincipalRecord, TenantRecord } from "../../store/records.js";
import { assertedClientId, JWT_BEARER_ASSERTION_TYPE, verifyClientAssertion } from "../client-assertion.js";
import { tokenEndpointUrl } from "../issuer-settings.js";
import { OAuthError } from "../oauth-error.js";
import { planeOfResource, type Plane } from "../planes.js";
import { formFields } from "./form-body.js";
import type { IdentityRouteDeps } from "./route-deps.js";

// Scopes that ask for nothing keyhold issues and are therefore ignored next to a resource scope.
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/** `POST /{tenant}/oauth2/v2.0/token` (RFC 6749 sections 4.3 and 4.4, RFC 7523 section 2.2). */
export function registerTokenEndpoint(app: FastifyInstance, deps: IdentityRouteDeps): void {
  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/token", async (request, reply) => {
    const form = formFields(request.body);
    const tenant = await deps.directory.findTenant(request.params.tenant);
    if (tenant === undefined) throw new OAuthError("invalid_request", "The tenant in the request path does not exist.");
    const grantType = required(form, "grant_type");
    const plane = planeOfScope(deps, required(form, "scope"));

    let principal: PrincipalRecord;
    if (grantType === "client_credentials") {
      const endpoints = [tokenEndpointUrl(deps.issuer.settings, tenant.id), tokenEndpointUrl(deps.issuer.settings, request.params.tenant)];
      principal = await authenticateClient(deps, tenant, form, request.headers.authorization, endpoints);
    } else if (grantType === "password") {
      principal = await authenticateUser(deps, tenant, form);
    } else {
      throw new OAuthError("unsupported_grant_type", "grant_type must be client_credentials or password.");
    }

    const token = await deps.issuer.issue({ principal, plane });
    // RFC 6749 section 5.1: token responses must not be cached.
    void reply.header("cache-control", "no-store").header("pragma", "no-cache");
    return {
      token_type: "Bearer",
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
    };
  });
}

function required(form: Readonly<Record<string, string>>, name: string): string {
  const value = form[name];
  if (value === undefined || value === "") throw new OAuthError("invalid_request", `The request must contain the parameter ${name}.`);
  return value;
}

function planeOfScope(deps: IdentityRouteDeps, scope: string): Plane {
  const resources = scope.split(" ").filter((s) => s !== "" && !OIDC_SCOPES.has(s.toLowerCase()));
  const planes = resources.map((s) =>
    s.toLowerCase().endsWith("/.default") ? planeOfResource(deps.issuer.settings.audiences, s) : undefined,
  );
  const [plane] = planes;
  if (planes.length !== 1 || plane === undefined) {
    const { data, management } = deps.issuer.settings.audiences;
    throw new OAuthError("invalid_scope", `scope must be ${data}/.default or ${management}/.default.`);
  }
  return plane;
}

async function authenticateClient(
  deps: IdentityRouteDeps,
  tenant: TenantRecord,
  form: Readonly<Record<string, string>>,
  authorization: string | undefined,
  tokenEndpoints: readonly string[],
): Promise<PrincipalRecord> {
  const assertionType = form["client_assertion_type"];
  if (assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw new OAuthError("invalid_request", `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}.`);
    }
    const assertion = required(form, "client_assertion");
    const clientId = assertedClientId(assertion);
    if (form["client_id"] !== undefined && form["client_id"] !== clientId) {
      throw new OAuthError("invalid_client", "client_id does not match the client assertion's issuer.");
    }
    const servicePrincipal = await enabledServicePrincipal(deps, tenant, clientId);
    await verifyClientAssertion(assertion, servicePrincipal, deps.credentials, tokenEndpoints);
    return servicePrincipal;
  }
  const { clientId, clientSecret } = clientSecretOf(form, authorization);
  const servicePrincipal = await enabledServicePrincipal(deps, tenant, clientId);
  if (!(await deps.credentials.verifySecret(servicePrincipal, clientSecret))) {
    throw new OAuthError("invalid_client", "The client secret is not valid for this client, or it has expired.");
  }
  return servicePrincipal;
}

/** client_secret_post, or client_secret_basic (RFC 6749 section 2.3.1). */
function clientSecretOf(
  form: Readonly<Record<string, string>>,
  authorization: string | undefined,
): { clientId: string; clientSecret: string } {
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new OAuthError("invalid_client", "The Basic authorization header is malformed.");
    try {
      // Section 2.3.1: both parts are form-urlencoded before being joined.
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    } catch {
      throw new OAuthError("invalid_client", "The Basic authorization header is malformed.");
    }
  }
  const clientId = required(form, "client_id");
  const clientSecret = form["client_secret"];
  if (clientSecret === undefined || clientSecret === "") {
    throw new OAuthError("invalid_client", "The request must contain client_secret or client_assertion.");
  }
  return { clientId, clientSecret };
}

async function enabledServicePrincipal(deps: IdentityRouteDeps, tenant: TenantRecord, clientId: string): Promise<PrincipalRecord> {
  const principal = await deps.directory.store.directory.findPrincipalByAppId(clientId.toLowerCase());
  if (principal === undefined || principal.tenantId !== tenant.id || principal.kind !== "servicePrincipal") {
    throw new OAuthError("invalid_client", "No application with this client_id exists in the tenant.");
  }
  if (!principal.enabled) throw new OAuthError("invalid_client", "The application is disabled.");
  return principal;
}

async function authenticateUser(
  deps: IdentityRouteDeps,
  tenant: TenantRecord,
  form: Readonly<Record<string, string>>,
): Promise<PrincipalRecord> {
  const username = required(form, "username");
  const password = required(form, "password");
  const user = await deps.directory.authenticateUser(tenant.id, username, password);
  if (user === undefined) throw new OAuthError("invalid_grant", "The user name or password is not correct.");
  if (!user.enabled) throw new OAuthError("invalid_grant", "The user account is disabled.");
  return user;
}
