/**
 * How an operation is reached over HTTPS: its method, path and how its result becomes a response. Domains declare
 * their routes with these (management's ARM routes); transport/http mounts them as thin adapters over the pipeline.
 */
import type { KeyholdError } from "../errors.js";

export interface OperationRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly url: string;
  /** The operation's name in the table. */
  readonly operation: string;
  /** Status on success; 204 sends no body. */
  readonly status?: number;
  /**
   * Shapes a result that decides its own status and headers (ARM long-running operations answer 202 with
   * Location); `origin` is `https://host:port` as the client called it, `request` its path parameters and query
   * (a next page's link repeats them). Overrides `status`.
   */
  readonly respond?: (result: unknown, origin: string, request: Readonly<Record<string, unknown>>) => RouteResponse;
  /** The code sent in the error body instead of the KeyholdError code (ARM codes on management routes). */
  readonly errorCode?: (error: KeyholdError) => string;
  /**
   * A check of the raw request (path, query and body) that runs as the first step of the operation's decode, inside
   * the pipeline, so that its refusal is audited like any other (ARM's api-version).
   */
  readonly checkRequest?: (raw: Readonly<Record<string, unknown>>) => void;
  /**
   * Turns the request (path parameters, query and `body`) into the operation's raw input, after `checkRequest` and
   * inside the pipeline as well, so that a wire-format refusal (bad base64url) is audited and names its field. Without
   * it the request itself is the raw input.
   */
  readonly fromRequest?: (raw: Readonly<Record<string, unknown>>) => unknown;
  /**
   * The HSM the request addresses, from its host name (the Key Vault door's `{hsm}.{dnsSuffix}`); undefined for the
   * only HSM. Without it the `x-hsm-name` header names the HSM.
   */
  readonly hsmOfHost?: (hostname: string) => string | undefined;
  /**
   * Answers a request that carries no bearer token with the 401 challenge before its body is read (the Azure SDKs
   * send their first request with no token and an empty JSON body). The refusal still passes the pipeline.
   */
  readonly challengeBeforeBody?: boolean;
  /**
   * Serves the route only on matching hosts (fastify's host constraint): the Key Vault door's role routes share ARM's
   * `/providers/Microsoft.Authorization/...` paths and are told apart by the HSM's host name.
   */
  readonly hostConstraint?: RegExp;
}

export interface RouteResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
