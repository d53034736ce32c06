import type { FastifyInstance } from "fastify";
import { issuerUrl, jwksUrl, tokenEndpointUrl } from "../issuer-settings.js";
import { OAuthError } from "../oauth-error.js";
import { publishedKeys } from "../signing-keys.js";
import type { IdentityRouteDeps } from "./route-deps.js";

/** OpenID Connect Discovery 1.0 section 4 and the JWKS document (RFC 7517 section 5). */
export function registerDiscovery(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const tenantOf = async (name: string) => {
    const tenant = await deps.directory.findTenant(name);
    if (tenant === undefined) throw new OAuthError("invalid_request", "The tenant in the request path does not exist.");
    return tenant;
  };

  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (request) => {
    const tenant = await tenantOf(request.params.tenant);
    const settings = deps.issuer.settings;
    return {
      issuer: issuerUrl(settings, tenant.id),
      token_endpoint: tokenEndpointUrl(settings, tenant.id),
      jwks_uri: jwksUrl(settings, tenant.id),
      grant_types_supported: ["client_credentials", "password"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256"],
      id_token_signing_alg_values_supported: ["ES256"],
      response_types_supported: ["token"],
      subject_types_supported: ["pairwise"],
      scopes_supported: [`${settings.audiences.data}/.default`, `${settings.audiences.management}/.default`],
      claims_supported: ["iss", "aud", "tid", "oid", "sub", "appid", "upn", "iat", "nbf", "exp", "ver"],
      tenant_region_scope: null,
    };
  });

  app.get<{ Params: { tenant: string } }>("/:tenant/discovery/v2.0/keys", async (request) => {
    await tenantOf(request.params.tenant);
    return { keys: (await publishedKeys(deps.directory.store)).map((k) => k.publicJwk) };
  });
}
