/**
 * A blob's bytes as the HTTP answer: JSON blobs (the audit logs' PT1H.json, JSON lines) as application/json, anything
 * else as application/octet-stream, never sniffed by a browser into something it would run.
 */
import type { RouteResponse } from "../../pipeline/http-route.js";

export interface BlobContent {
  readonly contentType: string;
  readonly data: Buffer;
}

export function blobContentType(blobName: string): string {
  return blobName.toLowerCase().endsWith(".json") ? "application/json" : "application/octet-stream";
}

export function blobContentResponse(result: unknown): RouteResponse {
  const content = result as BlobContent;
  return { status: 200, body: content.data, headers: { "content-type": content.contentType, "x-content-type-options": "nosniff" } };
}
