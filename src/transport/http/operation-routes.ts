/**
 * HTTPS routes as thin adapters over the operations table: each route names
 * an operation, turns the request into its raw input (path parameters plus
 * body) and the result into a status and body. Authorization and audit
 * happen in the pipeline, never here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { KeyholdError } from "../../errors.js";
import { bearerTokenOf, type Pipeline, type RequestMeta } from "../../pipeline/dispatch.js";
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
  // An empty JSON body is no body (Key Vault takes `POST .../rotate` with `content-type: application/json` and nothing
  // else, as curl sends it): the operation's decode then names whatever field it needed. Anything else is parsed by
  // fastify's own parser, with its prototype-poisoning protection.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body.toString();
    if (text === "") return done(null, undefined);
    return parseJson(request, text, done);
  });
  app.setErrorHandler((error, request, reply) => {
    const refusal = fromFrameworkError(error);
    // Unreadable bodies are refused before the handler runs; they still get the route's error vocabulary.
    const errorCode = (request.routeOptions.config as { errorCode?: OperationRoute["errorCode"] } | undefined)?.errorCode;
    return sendError(reply, refusal, undefined, errorCode?.(refusal));
  });
  for (const route of deps.routes) {
    const declared = deps.operations.get(route.operation);
    if (declared === undefined) throw new Error(`route ${route.method} ${route.url} names unknown operation ${route.operation}`);
    const operation = withRequestMapping(declared, route);
    const meta = (request: FastifyRequest): RequestMeta => ({
      transport: "https",
      method: `${request.method} ${request.url}`,
      authorization: request.headers.authorization,
      hsmName:
        (route.hsmOfHost === undefined ? undefined : route.hsmOfHost(request.hostname)) ?? headerValue(request.headers["x-hsm-name"]),
      hsmAddressing: route.hsmOfHost === undefined ? "header" : "host",
      clientRequestId: headerValue(request.headers["x-ms-client-request-id"]),
      callerIp: request.ip,
    });
    app.route({
      method: route.method,
      url: route.url,
      config: { operation: operation.name, errorCode: route.errorCode },
      ...(route.hostConstraint === undefined ? {} : { constraints: { host: route.hostConstraint } }),
      ...(route.challengeBeforeBody === true
        ? {
            // Before the body parser: a token-less request is refused by the pipeline (network rules, then
            // authentication) with the challenge, whatever its body, and audited like any refused call.
            onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
              // A request with a token goes on to its handler, where the pipeline checks the token itself.
              if (bearerTokenOf(request.headers.authorization) !== undefined) return;
              const refusal = await deps.pipeline.dispatch(challengeOnly(operation), {}, meta(request)).then(
                () => new KeyholdError("InternalError", "An internal error occurred."),
                (error: unknown) => fromFrameworkError(error),
              );
              return sendError(reply, refusal, deps.challenge(request, operation), route.errorCode?.(refusal));
            },
          }
        : {}),
      handler: async (request, reply) => {
        const raw = { ...(request.params as object), ...(request.query as object), body: request.body };
        try {
          const result = await deps.pipeline.dispatch(operation, raw, meta(request));
          if (route.respond !== undefined) {
            const response = route.respond(result, `${request.protocol}://${request.host}`, raw);
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

/** The operation with the route's request checks and wire mapping run first in its decode (inside the pipeline). */
function withRequestMapping(declared: Operation, route: OperationRoute): Operation {
  const { checkRequest: check, fromRequest } = route;
  if (check === undefined && fromRequest === undefined) return declared;
  return Object.freeze({
    ...declared,
    decode: (raw: unknown) => {
      check?.(raw as Record<string, unknown>);
      return declared.decode(fromRequest === undefined ? raw : fromRequest(raw as Record<string, unknown>));
    },
  });
}

/**
 * The operation as a token-less request meets it: no input is read, so the pipeline refuses it at the network rules
 * or at authentication, which comes before anything that would look at the input.
 */
function challengeOnly(operation: Operation): Operation {
  const { describe: _describe, describeResult: _describeResult, ...rest } = operation;
  return Object.freeze({
    ...rest,
    decode: () => ({}),
    execute: () => Promise.reject(new KeyholdError("InternalError", "a call without a token reached its handler")),
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
