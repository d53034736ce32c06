/**
 * The HTTPS listener's edges: unknown routes, wrong methods, unreadable and over-long URLs, missing or unknown
 * api-versions, and calls without a token. Each answer is ARM's error body, echoes no long input, and tells no
 * HSM name from another before authentication.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARM_API_VERSIONS, providerOfPath, withApiVersion } from "../../src/management/api-versions.js";
import { hsmPath, managementCore, SUBSCRIPTION, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

async function raw(method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE", url: string, headers: Record<string, string> = {}) {
  const response = await core.https.app.inject({ method, url, headers });
  return { status: response.statusCode, text: response.body, body: JSON.parse(response.body) as any, headers: response.headers };
}

function expectArmError(reply: { body: any; text: string }, code: string): void {
  expect(Object.keys(reply.body)).toEqual(["error"]);
  expect(Object.keys(reply.body.error).sort()).toEqual(["code", "message"]);
  expect(reply.body.error.code).toBe(code);
  expect(reply.text).not.toMatch(/FST_ERR|statusCode|Route /);
}

describe("the HTTPS listener's edges", () => {
  it("answers an unknown route 404 in ARM's shape", async () => {
    const reply = await raw("GET", "/no/such/route?x=1");
    expect(reply.status).toBe(404);
    expectArmError(reply, "NotFound");
  });

  it("answers a wrong method on a known path 405 with Allow", async () => {
    const reply = await raw("POST", `${hsmPath("some-hsm")}?api-version=2023-07-01`);
    expect(reply.status).toBe(405);
    expectArmError(reply, "MethodNotAllowed");
    expect(reply.headers["allow"]).toBe("DELETE, GET, HEAD, PATCH, PUT");
  });

  it("answers an undecodable URL 400 without fastify's body", async () => {
    const reply = await raw("GET", `/subscriptions/%E0%A4%A?api-version=2021-04-01`);
    expect(reply.status).toBe(400);
    expectArmError(reply, "InvalidUri");
    expect(reply.text).not.toContain("%E0");
  });

  it("answers a 2,000-character URL 414 or 404 and echoes none of it", async () => {
    const long = "a".repeat(2000);
    const tooLong = await raw("GET", `${hsmPath(long)}?api-version=2023-07-01`);
    expect(tooLong.status).toBe(414);
    expectArmError(tooLong, "RequestUriTooLong");
    expect(tooLong.text).not.toContain("a".repeat(65));
    for (const url of [`/${long}`, `/no/such/${long}/route`]) {
      const unknown = await raw("GET", url);
      expect([404, 414]).toContain(unknown.status);
      expect(unknown.body.error.code).toMatch(/^(NotFound|RequestUriTooLong)$/);
      expect(unknown.text).not.toContain("a".repeat(65));
    }
  });

  it("requires a known api-version on ARM routes, per resource provider", async () => {
    const token = `Bearer ${await core.token(core.root)}`;
    const missing = await raw("GET", hsmPath("some-hsm"), { authorization: token });
    expect(missing.status).toBe(400);
    expectArmError(missing, "MissingApiVersionParameter");
    expect(missing.body.error.message).toBe("The api-version query parameter (?api-version=) is required for all requests.");

    const unknown = await raw("GET", `${hsmPath("some-hsm")}?api-version=2099-01-01`, { authorization: token });
    expect(unknown.status).toBe(400);
    expectArmError(unknown, "InvalidApiVersionParameter");
    for (const version of ["2023-07-01", "2024-11-01", "2025-05-01"]) expect(unknown.body.error.message).toContain(version);

    // Each provider has its own versions: a Key Vault version is not one of Microsoft.Authorization's.
    const assignments = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleAssignments`;
    expect((await raw("GET", `${assignments}?api-version=2023-07-01`, { authorization: token })).body.error.code).toBe(
      "InvalidApiVersionParameter",
    );
    expect((await raw("GET", `${assignments}?api-version=2022-04-01`, { authorization: token })).status).toBe(200);
    for (const [provider, versions] of Object.entries(ARM_API_VERSIONS)) expect(versions.length, provider).toBeGreaterThan(0);
    expect((await raw("GET", `/subscriptions/${SUBSCRIPTION}?api-version=2022-12-01`, { authorization: token })).status).toBe(200);

    // A path's provider is its last /providers/ segment before any blob name; none is Microsoft.Resources.
    expect(providerOfPath(`${hsmPath("h")}/providers/Microsoft.Authorization/roleAssignments`)).toBe("Microsoft.Authorization");
    expect(
      providerOfPath(
        `/subscriptions/${SUBSCRIPTION}/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c/blobs/x/PROVIDERS/MICROSOFT.KEYVAULT/y`,
      ),
    ).toBe("Microsoft.Storage");
    expect(withApiVersion(`/subscriptions/${SUBSCRIPTION}?x=1`)).toBe(`/subscriptions/${SUBSCRIPTION}?x=1&api-version=2024-11-01`);

    // Graph takes no api-version.
    expect((await raw("GET", "/no-graph-here/v1.0/users")).status).toBe(404);
  });

  it("answers 401 without a token whether or not the HSM exists", async () => {
    expect((await core.createHsm("known-hsm", [core.root.id])).status).toBe(202);
    const known = await raw("GET", `${hsmPath("known-hsm")}?api-version=2023-07-01`);
    const unknown = await raw("GET", `${hsmPath("unknown-hsm")}?api-version=2023-07-01`);
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect(known.body).toEqual(unknown.body);
  });

  it("does not echo a 1,000-character x-hsm-name", async () => {
    const name = "h".repeat(1000);
    const withToken = await raw("GET", `${hsmPath("some-hsm")}?api-version=2023-07-01`, {
      authorization: `Bearer ${await core.token(core.root)}`,
      "x-hsm-name": name,
    });
    const without = await raw("GET", `${hsmPath("some-hsm")}?api-version=2023-07-01`, { "x-hsm-name": name });
    for (const reply of [withToken, without]) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.text).not.toContain("h".repeat(65));
    }
  });
});
