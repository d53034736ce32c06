/**
 * HTTPS routes as thin adapters over the operations table: each route names
 * an operation, turns the request into its raw input (path parameters plus
 * body) and the result into a status and body. Authorization and audit
 * happen in the pipeline, never here.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Pipeline } from "../../pipeline/dispatch.js";
import type { Operation } from "../../pipeline/operation.js";
import type { OperationRoute } from "../../pipeline/http-route.js";
import { type Challenge, fromFrameworkError, sendError } from "./error-response.js";

export type { OperationRoute } from "../../pipeline/http-route.js";

/** Microsoft Graph v1.0 directory administration (SPEC section 5). */
export const GRAPH_ROUTES: readonly OperationRoute[] = Object.freeze([
  ...(["users", "groups", "servicePrincipals"] as const).flatMap((collection): OperationRoute[] => {
    const stem = { users: "DirectoryUser", groups: "DirectoryGroup", servicePrincipals: "DirectoryServicePrincipal" }[collection];
    return [
      { method: "POST", url: `/v1.0/${collection}`, operation: `${stem}Create`, status: 201 },
      { method: "GET", url: `/v1.0/${collection}`, operation: `${stem}List` },
      { method: "GET", url: `/v1.0/${collection}/:id`, operation: `${stem}Get` },
      { method: "PATCH", url: `/v1.0/${collection}/:id`, operation: `${stem}Update`, status: 204 },
      { method: "DELETE", url: `/v1.0/${collection}/:id`, operation: `${stem}Delete`, status: 204 },
    ];
  }),
  { method: "POST", url: "/v1.0/servicePrincipals/:id/addPassword", operation: "DirectoryServicePrincipalAddPassword" },
  { method: "POST", url: "/v1.0/groups/:id/members/$ref", operation: "DirectoryGroupMemberAdd", status: 204 },
  { method: "DELETE", url: "/v1.0/groups/:id/members/:memberId/$ref", operation: "DirectoryGroupMemberRemove", status: 204 },
  { method: "GET", url: "/v1.0/groups/:id/members", operation: "DirectoryGroupMemberList" },
]);

export interface OperationRouteDeps {
  readonly pipeline: Pipeline;
  readonly operations: ReadonlyMap<string, Operation>;
  readonly routes: readonly OperationRoute[];
  /** The 401 challenge for a request (authority and resource of the route's plane). */
  readonly challenge: (request: FastifyRequest, operation: Operation) => Challenge;
}

export async function operationRoutes(app: FastifyInstance, deps: OperationRouteDeps): Promise<void> {
  app.setErrorHandler((error, request, reply) => {
    const refusal = fromFrameworkError(error);
    // Unreadable bodies are refused before the handler runs; they still get the route's error vocabulary.
    const errorCode = (request.routeOptions.config as { errorCode?: OperationRoute["errorCode"] } | undefined)?.errorCode;
    return sendError(reply, refusal, undefined, errorCode?.(refusal));
  });
  for (const route of deps.routes) {
    const declared = deps.operations.get(route.operation);
    if (declared === undefined) throw new Error(`route ${route.method} ${route.url} names unknown operation ${route.operation}`);
    const check = route.checkRequest;
    const operation: Operation =
      check === undefined
        ? declared
        : Object.freeze({ ...declared, decode: (raw: unknown) => (check(raw as Record<string, unknown>), declared.decode(raw)) });
    app.route({
      method: route.method,
      url: route.url,
      config: { operation: operation.name, errorCode: route.errorCode },
      handler: async (request, reply) => {
        const raw = { ...(request.params as object), ...(request.query as object), body: request.body };
        try {
          const result = await deps.pipeline.dispatch(operation, raw, {
            transport: "https",
            method: `${request.method} ${request.url}`,
            authorization: request.headers.authorization,
            hsmName: headerValue(request.headers["x-hsm-name"]),
            clientRequestId: headerValue(request.headers["x-ms-client-request-id"]),
            callerIp: request.ip,
          });
          if (route.respond !== undefined) {
            const response = route.respond(result, `${request.protocol}://${request.host}`);
            if (response.headers !== undefined) void reply.headers(response.headers);
            return response.status === 204 ? reply.status(204).send() : reply.status(response.status).send(response.body);
          }
          const status = route.status ?? 200;
          return status === 204 ? reply.status(204).send() : reply.status(status).send(result);
        } catch (error) {
          const refusal = fromFrameworkError(error);
          return sendError(reply, refusal, deps.challenge(request, operation), route.errorCode?.(refusal));
        }
      },
    });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
