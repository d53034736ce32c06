/**
 * Replies whose body names this server's own URLs (a storage account's blob endpoint, a listing's `nextLink`): the
 * operation hands over a renderer, and the route adapter calls it with the origin the client used, as it does for
 * the Location of long-running operations (arm-reply.ts).
 */
import type { RouteResponse } from "../pipeline/http-route.js";

export interface OriginReply {
  readonly status: 200 | 201;
  readonly render: (origin: string) => unknown;
}

export function originResponse(result: unknown, origin: string): RouteResponse {
  const reply = result as OriginReply;
  return { status: reply.status, body: reply.render(origin) };
}
