import type { FastifyError, FastifyInstance } from "fastify";
import { KeyholdError } from "../../errors.js";
import { OAuthError } from "../oauth-error.js";
import { registerDiscovery } from "./discovery.js";
import { acceptFormBodies } from "./form-body.js";
import { registerManagedIdentityEndpoint } from "./managed-identity-endpoint.js";
import { registerTokenEndpoint } from "./token-endpoint.js";
import type { IdentityRouteDeps } from "./route-deps.js";

export type { IdentityRouteDeps } from "./route-deps.js";

/**
 * The identity provider's HTTPS endpoints as a fastify plugin:
 * `app.register(identityRoutes, deps)`. Its routes, body parser and error
 * handler are encapsulated; every refusal is `{error, error_description}`.
 */
export async function identityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): Promise<void> {
  acceptFormBodies(app);
  app.setErrorHandler((error: FastifyError | OAuthError | KeyholdError, request, reply) => {
    const refusal = oauthRefusalOf(error);
    if (refusal.status === 500) request.log.error({ err: error }, "identity endpoint failed");
    void reply.status(refusal.status).header("cache-control", "no-store").send(refusal.toJSON());
  });
  registerTokenEndpoint(app, deps);
  registerDiscovery(app, deps);
  registerManagedIdentityEndpoint(app, deps);
}

function oauthRefusalOf(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof KeyholdError) {
    if (error.code === "BadParameter") return new OAuthError("invalid_request", error.message);
    if (error.code === "Unauthorized") return new OAuthError("invalid_client", error.message);
    if (error.code === "NotFound") return new OAuthError("invalid_request", error.message);
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    // Fastify's own refusals: unsupported media type, body too large, unreadable body.
    return new OAuthError("invalid_request", "The request could not be read: send a form-encoded body of at most 64 KiB.");
  }
  return new OAuthError("server_error", "The identity provider could not complete the request.");
}
