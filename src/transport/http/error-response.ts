/**
 * The one mapping from KeyholdError to an HTTP response: status from
 * ERROR_CLASSES, the Key Vault / ARM body `{"error": {"code", "message"}}`,
 * and for 401 the `WWW-Authenticate` challenge of SPEC section 5. Nothing
 * else (stack, internal detail) ever reaches the body.
 */
import type { FastifyReply } from "fastify";
import { asKeyholdError, ERROR_CLASSES, KeyholdError } from "../../errors.js";

export interface Challenge {
  /** The OAuth authority clients should get a token from: https://<host>/<tenant>. */
  readonly authority: string;
  /** The audience to ask for (the plane's resource). */
  readonly resource: string;
}

const RETRY_AFTER_SECONDS = 1;

/** `code` replaces the KeyholdError code in the body (a route's own vocabulary, e.g. ARM's); the status does not change. */
export function sendError(reply: FastifyReply, error: KeyholdError, challenge?: Challenge, code: string = error.code): FastifyReply {
  const status = ERROR_CLASSES[error.code].http;
  if (status === 401 && challenge !== undefined) {
    void reply.header("www-authenticate", `Bearer authorization="${challenge.authority}", resource="${challenge.resource}"`);
  }
  // Throttled (the worker pool's queue is full): clients back off, as they do for Key Vault's and ARM's 429.
  if (status === 429) void reply.header("retry-after", String(RETRY_AFTER_SECONDS));
  return reply.status(status).send({ error: { code, message: error.message } });
}

/** Fastify's own refusals (unreadable JSON, wrong media type, body too large) as BadParameter. */
export function fromFrameworkError(error: unknown): KeyholdError {
  // A KeyholdError has no statusCode: it passes through as it is.
  const statusCode = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (statusCode === 413) return new KeyholdError("BadParameter", "body: is larger than the 4 MiB limit", { field: "body" });
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    return new KeyholdError("BadParameter", "body: could not be read; send application/json", { field: "body" });
  }
  return asKeyholdError(error);
}

/** A refusal made at the listener's edge (no route, wrong method, unreadable URL): status and ARM code chosen here. */
export interface EdgeError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export function sendEdgeError(reply: FastifyReply, error: EdgeError): FastifyReply {
  return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
}

/** The router's own errors (fastify's `frameworkErrors`), without the URL they carry. */
export function routerRefusal(error: { code?: string }): EdgeError {
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return { status: 400, code: "InvalidUri", message: "The request URL is not valid: a path segment could not be decoded." };
    case "FST_ERR_MAX_PARAM_LENGTH":
      return {
        status: 414,
        code: "RequestUriTooLong",
        message: "The request URL is too long: a path segment is longer than 100 characters.",
      };
    default:
      return { status: 500, code: "InternalServerError", message: "An internal error occurred." };
  }
}
