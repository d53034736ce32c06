/**
 * Raw Key Vault REST calls for the administration routes' tests: a JSON request to an HSM's vault URL with a token,
 * and Key Vault's error body checked for its code and for anything of a stack trace or keyhold's internals.
 */
import { expect } from "vitest";
import type { Agent } from "node:https";
import { rawRequest, type RawResponse } from "./helpers.js";

export const API_VERSION = "7.6";

export function kvCall(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<RawResponse> {
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const url = path.startsWith("https://") ? path : `${base}${path}${path.includes("?") ? "&" : "?"}api-version=${API_VERSION}`;
  return rawRequest(agent, url, {
    method,
    headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    ...(text === undefined ? {} : { body: text }),
  });
}

/** Key Vault's error body; returns its message. */
export function expectKeyVaultError(response: RawResponse, status: number, code: string): string {
  expect(response.status, response.body).toBe(status);
  const body = response.json() as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d|KeyholdError/);
  return body.error.message;
}
