import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { PrincipalRecord } from "../../store/records.js";
import { isGuid } from "../ids.js";
import { OAuthError } from "../oauth-error.js";
import { planeOfResource } from "../planes.js";
import type { IdentityRouteDeps } from "./route-deps.js";

/** The only version of the App Service identity protocol served. */
const MANAGED_IDENTITY_API_VERSION = "2019-08-01";

interface MsiQuery {
  resource?: string;
  "api-version"?: string;
  principal_id?: string;
  client_id?: string;
}

/**
 * The App Service-shaped managed identity endpoint: `GET {IDENTITY_ENDPOINT}?resource=...&api-version=2019-08-01`
 * with `X-IDENTITY-HEADER: {IDENTITY_HEADER}`; `principal_id` or `client_id` picks the identity.
 */
export function registerManagedIdentityEndpoint(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const settings = deps.managedIdentity;
  if (settings === undefined) return;
  const expectedHeader = digest(settings.identityHeader);

  app.get<{ Querystring: MsiQuery }>("/msi/token", async (request) => {
    const presented = request.headers["x-identity-header"];
    // Compare digests so that neither the length nor the content leaks through timing.
    if (typeof presented !== "string" || !timingSafeEqual(digest(presented), expectedHeader)) {
      throw new OAuthError("invalid_client", "The X-IDENTITY-HEADER header is missing or wrong.");
    }
    const query = request.query;
    if (query["api-version"] !== MANAGED_IDENTITY_API_VERSION) {
      throw new OAuthError("invalid_request", `api-version must be ${MANAGED_IDENTITY_API_VERSION}.`);
    }
    if (query.resource === undefined || query.resource === "") throw new OAuthError("invalid_request", "resource is required.");
    const plane = planeOfResource(deps.issuer.settings.audiences, query.resource);
    if (plane === undefined) throw new OAuthError("invalid_scope", "resource names neither the data plane nor the management plane.");

    const identity = await selectIdentity(deps, query, settings.defaultPrincipalId);
    const token = await deps.issuer.issue({ principal: identity, plane });
    return {
      access_token: token.accessToken,
      expires_on: String(token.expiresOn),
      resource: query.resource,
      token_type: "Bearer",
      client_id: identity.appId,
    };
  });
}

async function selectIdentity(deps: IdentityRouteDeps, query: MsiQuery, defaultPrincipalId: string | undefined): Promise<PrincipalRecord> {
  if (query.principal_id !== undefined && query.client_id !== undefined) {
    throw new OAuthError("invalid_request", "Give principal_id or client_id, not both.");
  }
  let identity: PrincipalRecord | undefined;
  if (query.client_id !== undefined) {
    identity = isGuid(query.client_id)
      ? await deps.directory.store.directory.findPrincipalByAppId(query.client_id.toLowerCase())
      : undefined;
  } else {
    const principalId = query.principal_id ?? defaultPrincipalId;
    if (principalId === undefined) throw new OAuthError("invalid_request", "principal_id or client_id is required.");
    identity = isGuid(principalId) ? await principalInAnyTenant(deps, principalId.toLowerCase()) : undefined;
  }
  if (identity === undefined || identity.kind !== "managedIdentity") {
    throw new OAuthError("invalid_request", "No managed identity matches principal_id or client_id.");
  }
  if (!identity.enabled) throw new OAuthError("invalid_client", "The managed identity is disabled.");
  return identity;
}

async function principalInAnyTenant(deps: IdentityRouteDeps, id: string): Promise<PrincipalRecord | undefined> {
  for (const tenant of await deps.directory.listTenants()) {
    const principal = await deps.directory.store.directory.getPrincipal(tenant.id, id);
    if (principal !== undefined) return principal;
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
