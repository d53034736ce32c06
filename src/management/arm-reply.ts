/**
 * What management operations return: an HTTP status, a body and, for long-running operations, the operation status
 * resource to poll. ARM answers 202 with `Location` and `Azure-AsyncOperation` pointing at it (ARM RPC
 * "Asynchronous operations"); the route adapter turns the path into an absolute URL on the host the client called.
 */
import { withApiVersion } from "./api-versions.js";
import type { RouteResponse } from "../pipeline/http-route.js";

export interface ArmReply {
  readonly status: 200 | 201 | 202 | 204;
  readonly body: unknown;
  /** Path of the operationResults resource of a long-running operation. */
  readonly pollPath?: string;
}

export const ok = (body: unknown): ArmReply => ({ status: 200, body });
export const created = (body: unknown): ArmReply => ({ status: 201, body });
export const accepted = (body: unknown, pollPath: string): ArmReply => ({ status: 202, body, pollPath });

/** Seconds ARM clients wait between polls. */
const RETRY_AFTER_SECONDS = "1";

export function armResponse(result: unknown, origin: string): RouteResponse {
  const reply = result as ArmReply;
  if (reply.pollPath === undefined) return { status: reply.status, body: reply.body };
  // ARM clients poll the URL as given, so it carries its api-version.
  const url = `${origin}${withApiVersion(reply.pollPath)}`;
  return {
    status: reply.status,
    body: reply.body,
    headers: { location: url, "azure-asyncoperation": url, "retry-after": RETRY_AFTER_SECONDS },
  };
}
