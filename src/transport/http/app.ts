/**
 * The HTTPS listener's fastify app: the identity provider's public endpoints
 * (they authenticate clients themselves: that is their job), a health check,
 * and every other route as an adapter over the operations table.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { identityRoutes, type IdentityRouteDeps } from "../../identity/index.js";
import type { Pipeline } from "../../pipeline/dispatch.js";
import type { Operation } from "../../pipeline/operation.js";
import type { ServingState } from "../../serving-state.js";
import { type Challenge, fromFrameworkError, routerRefusal, sendEdgeError, sendError } from "./error-response.js";
import { RoutePaths } from "./route-paths.js";
import { GRAPH_ROUTES, operationRoutes, type OperationRoute } from "./operation-routes.js";

/** Routes that are deliberately not operations; a test checks that nothing else escapes the table. */
export const PUBLIC_ROUTE_PREFIXES: readonly string[] = Object.freeze([
  "/healthz",
  // OAuth 2.0 / OIDC endpoints: /{tenant}/oauth2/v2.0/token, /{tenant}/v2.0/.well-known/..., /{tenant}/discovery/...
  "/:tenant/oauth2/v2.0/token",
  "/:tenant/v2.0/.well-known/openid-configuration",
  "/:tenant/discovery/v2.0/keys",
  "/msi/token",
]);

export interface HttpsAppOptions {
  readonly https?: { key: string; cert: string };
  readonly logger?: FastifyServerOptions["logger"];
  readonly pipeline: Pipeline;
  readonly operations: ReadonlyMap<string, Operation>;
  readonly identity: IdentityRouteDeps;
  readonly challenge: (operation: Operation) => Challenge;
  readonly routes?: readonly OperationRoute[];
  /** `/healthz` answers 503 while the node should not take calls. */
  readonly serving?: ServingState;
}

/** Requests above 4 MiB are refused (SPEC section 12). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  /** The operation the route dispatches to; undefined for the public routes. */
  readonly operation: string | undefined;
}

export interface HttpsApp {
  readonly app: FastifyInstance;
  /** Every route the app serves, as fastify registered it (for the route-walking test). */
  readonly routes: readonly RegisteredRoute[];
}

export async function buildHttpsApp(options: HttpsAppOptions): Promise<HttpsApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    // Refusals the router makes before any route runs (an undecodable path, a path parameter over 100 characters):
    // ARM's body, without the URL fastify would echo.
    frameworkErrors: (error, _request, reply) => sendEdgeError(reply, routerRefusal(error)),
    ...(options.https === undefined ? {} : { https: options.https }),
  } as FastifyServerOptions);
  const routes: RegisteredRoute[] = [];
  const paths = new RoutePaths();
  app.addHook("onRoute", (route) => {
    const operation = (route.config as { operation?: string } | undefined)?.operation;
    for (const method of [route.method].flat()) {
      paths.add(method, route.url);
      if (method !== "HEAD") routes.push({ method, url: route.url, operation });
    }
  });
  // Errors outside the route groups that answer in their own words (operation routes: ARM and Graph; identity: OAuth).
  app.setErrorHandler((error, _request, reply) => sendError(reply, fromFrameworkError(error)));
  app.setNotFoundHandler((request, reply) => {
    const allowed = paths.methodsFor(request.url);
    if (allowed.length > 0) {
      void reply.header("allow", allowed.join(", "));
      return sendEdgeError(reply, {
        status: 405,
        code: "MethodNotAllowed",
        message: `The method ${request.method} is not allowed on this path; allowed: ${allowed.join(", ")}.`,
      });
    }
    return sendEdgeError(reply, { status: 404, code: "NotFound", message: `No resource or route serves ${request.method} on this path.` });
  });
  app.get("/healthz", async (_request, reply) => {
    if (options.serving === undefined || options.serving.serving) return { status: "ok" };
    // Only the reasons' keys (`journal:<hsm>`, `event-loop`): their descriptions may name paths.
    return reply.code(503).send({ status: "unavailable", reasons: [...options.serving.reasons().keys()] });
  });
  await app.register(identityRoutes, options.identity);
  await app.register(operationRoutes, {
    pipeline: options.pipeline,
    operations: options.operations,
    routes: options.routes ?? GRAPH_ROUTES,
    challenge: (_request, operation) => options.challenge(operation),
  });
  await app.ready();
  return { app, routes };
}
