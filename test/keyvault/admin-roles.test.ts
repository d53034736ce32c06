/**
 * Local RBAC through the Key Vault door, raw REST in Key Vault's shapes: role definitions and assignments at `/`,
 * `/keys` and `/keys/{name}` (the SDKs' `//providers/...` paths and the single-slash form on the HSM's host name),
 * `$filter`, paging by nextLink, 201 on PUT, RBAC denials, bad input naming the field, and an assignment made here
 * deciding what its principal may do.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { API_VERSION, expectKeyVaultError, kvCall } from "./admin-helpers.js";
import { startKeyVaultFixture, type KeyVaultFixture } from "./fixture.js";
import { rawRequest, vaultUrl } from "./helpers.js";

let kv: KeyVaultFixture;
let vault: string;
let admin: string;
beforeAll(async () => {
  kv = await startKeyVaultFixture();
  vault = vaultUrl(kv.server);
  admin = await kv.server.token(kv.server.admin);
  for (const name of ["scoped-a", "scoped-b"]) {
    expect((await call("POST", `/keys/${name}/create`, kv.officer, { kty: "EC-HSM", crv: "P-256" })).status).toBe(200);
  }
});
afterAll(async () => {
  kv?.agent.destroy();
  await kv?.server.stop();
});

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  kvCall(kv.agent, vault, method, path, token, body);

const DEFINITIONS = "//providers/Microsoft.Authorization/roleDefinitions";
const ASSIGNMENTS = "//providers/Microsoft.Authorization/roleAssignments";
const DIGEST = Buffer.alloc(32, 7).toString("base64url");

/** Every item of a list, following nextLink to the end; also returns how many pages it took. */
async function listAll(path: string, token: string): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let next: string | null = path;
  let pages = 0;
  while (next !== null) {
    const response = await call("GET", next, token);
    expect(response.status, response.body).toBe(200);
    const body = response.json() as { value: any[]; nextLink: string | null };
    items.push(...body.value);
    next = body.nextLink;
    pages += 1;
    if (next !== null) expect(next.startsWith(vault)).toBe(true);
  }
  return { items, pages };
}

describe("role definitions", () => {
  const custom = randomUUID();

  it("creates a custom role with PUT (201), reads it back and finds it by roleName", async () => {
    const created = await call("PUT", `${DEFINITIONS}/${custom}`, admin, {
      properties: {
        roleName: "Signer only",
        description: "Sign with keys",
        type: "CustomRole",
        permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/sign/action"] }],
        assignableScopes: ["/"],
      },
    });
    expect(created.status, created.body).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${custom}`,
      name: custom,
      type: "Microsoft.Authorization/roleDefinitions",
      properties: {
        roleName: "Signer only",
        description: "Sign with keys",
        type: "CustomRole",
        permissions: [{ actions: [], notActions: [], dataActions: ["Microsoft.KeyVault/managedHsm/keys/sign/action"], notDataActions: [] }],
        assignableScopes: ["/"],
      },
    });
    expect((await call("GET", `${DEFINITIONS}/${custom}`, kv.officer)).json()).toEqual(body);
    const filtered = await call("GET", `${DEFINITIONS}?$filter=${encodeURIComponent("roleName eq 'Signer only'")}`, kv.officer);
    expect(filtered.json()).toEqual({ value: [body], nextLink: null });
  });

  it("lists built-in and custom roles page by page with nextLink, on every spelling of the root scope", async () => {
    const whole = await listAll(`${DEFINITIONS}?$filter=atScopeAndBelow()`, kv.officer);
    expect(whole.pages).toBe(1);
    const names = whole.items.map((d) => d.properties.roleName);
    expect(names).toContain("Managed HSM Crypto User");
    expect(names).toContain("Signer only");
    const paged = await listAll(`${DEFINITIONS}?maxresults=4`, kv.officer);
    expect(paged.pages).toBe(Math.ceil(whole.items.length / 4));
    expect(paged.items).toEqual(whole.items);
    for (const path of ["/providers/Microsoft.Authorization/roleDefinitions", "///providers/Microsoft.Authorization/roleDefinitions"]) {
      expect((await listAll(path, kv.officer)).items).toEqual(whole.items);
    }
  });

  it("refuses to delete a built-in role, and deletes a custom one (200 with the deleted definition)", async () => {
    expectKeyVaultError(await call("DELETE", `${DEFINITIONS}/${MANAGED_HSM_CRYPTO_USER.name}`, admin), 403, "Forbidden");
    const doomed = randomUUID();
    const made = await call("PUT", `${DEFINITIONS}/${doomed}`, admin, {
      properties: { roleName: "Doomed", permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"] }] },
    });
    expect(made.status, made.body).toBe(201);
    const deleted = await call("DELETE", `${DEFINITIONS}/${doomed}`, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.json().properties.roleName).toBe("Doomed");
    expectKeyVaultError(await call("GET", `${DEFINITIONS}/${doomed}`, admin), 404, "NotFound");
  });
});

describe("role assignments", () => {
  it("assigns a role at /keys/{name}: 201 in Key Vault's shape, found by principalId, and it decides what the principal may do", async () => {
    const user = await kv.server.user("kv-scoped");
    const token = await kv.server.token(user);
    const sign = (key: string) => call("POST", `/keys/${key}//sign`, token, { alg: "ES256", value: DIGEST });
    expectKeyVaultError(await sign("scoped-a"), 403, "Forbidden");

    const name = randomUUID();
    const roleDefinitionId = MANAGED_HSM_CRYPTO_USER.id;
    const created = await call("PUT", `//keys/scoped-a/providers/Microsoft.Authorization/roleAssignments/${name}`, admin, {
      properties: { roleDefinitionId, principalId: user.id },
    });
    expect(created.status, created.body).toBe(201);
    const assignment = created.json();
    expect(assignment).toEqual({
      id: `/keys/scoped-a/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: { scope: "/keys/scoped-a", roleDefinitionId, principalId: user.id },
    });

    expect((await sign("scoped-a")).status).toBe(200);
    expectKeyVaultError(await sign("scoped-b"), 403, "Forbidden");

    expect((await call("GET", `/keys/scoped-a/providers/Microsoft.Authorization/roleAssignments/${name}`, kv.officer)).json()).toEqual(
      assignment,
    );
    const byPrincipal = await listAll(`${ASSIGNMENTS}?$filter=${encodeURIComponent(`principalId eq '${user.id}'`)}`, kv.officer);
    expect(byPrincipal.items).toEqual([assignment]);
    const atKey = await listAll(`//keys/scoped-a/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`, kv.officer);
    expect(atKey.items).toEqual([assignment]);

    const deleted = await call("DELETE", `//keys/scoped-a/providers/Microsoft.Authorization/roleAssignments/${name}`, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toEqual(assignment);
    expectKeyVaultError(await call("GET", `${ASSIGNMENTS}/${name}`, kv.officer), 404, "NotFound");
    expectKeyVaultError(await sign("scoped-a"), 403, "Forbidden");
  });

  it("pages the assignments at / with nextLink, keeping the filter", async () => {
    const user = await kv.server.user("kv-many");
    for (let i = 0; i < 3; i++) {
      const response = await call("PUT", `/keys/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, admin, {
        properties: { roleDefinitionId: MANAGED_HSM_CRYPTO_USER.name, principalId: user.id },
      });
      expect(response.status, response.body).toBe(201);
    }
    const filter = encodeURIComponent(`principalId eq '${user.id}'`);
    const paged = await listAll(`${ASSIGNMENTS}?$filter=${filter}&maxresults=2`, kv.officer);
    expect(paged.pages).toBe(2);
    expect(paged.items.map((a) => a.properties.principalId)).toEqual([user.id, user.id, user.id]);
  });
});

describe("RBAC denials and bad input", () => {
  it("answers callers without the role data action 403 Forbidden, naming the action", async () => {
    for (const [method, path, body] of [
      ["GET", ASSIGNMENTS, undefined],
      ["GET", DEFINITIONS, undefined],
      [
        "PUT",
        `${ASSIGNMENTS}/${randomUUID()}`,
        { properties: { roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: randomUUID() } },
      ],
    ] as const) {
      const message = expectKeyVaultError(await call(method, path, kv.stranger, body), 403, "Forbidden");
      expect(message).toMatch(/roleAssignments|roleDefinitions/);
    }
    // The crypto user's custom role may use keys but not manage roles.
    const denied = await call("PUT", `${ASSIGNMENTS}/${randomUUID()}`, kv.remote, {
      properties: { roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: randomUUID() },
    });
    expectKeyVaultError(denied, 403, "Forbidden");
  });

  it("answers a token-less request with the 401 challenge", async () => {
    const response = await rawRequest(kv.agent, `${vault}${ASSIGNMENTS}?api-version=${API_VERSION}`);
    expectKeyVaultError(response, 401, "Unauthorized");
    expect(response.headers["www-authenticate"]).toMatch(/resource="https:\/\/managedhsm\.azure\.net"/);
  });

  it("refuses bad input with 400 BadParameter naming the field, and stores nothing", async () => {
    const put = (name: string, body: unknown) => call("PUT", `${ASSIGNMENTS}/${name}`, admin, body);
    const cases: [Promise<Awaited<ReturnType<typeof call>>>, string][] = [
      [put(randomUUID(), { properties: { roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: "bob" } }), "properties.principalId"],
      [put(randomUUID(), { properties: { principalId: randomUUID() } }), "properties.roleDefinitionId"],
      [put(randomUUID(), { properties: "yes" }), "properties"],
      [put("not-a-guid", { properties: { roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: randomUUID() } }), "name"],
      [put(randomUUID(), "{not json"), ""],
      [call("GET", `${ASSIGNMENTS}?$filter=${encodeURIComponent("principalName eq 'x'")}`, kv.officer), "$filter"],
      [call("GET", `${DEFINITIONS}?$filter=atScope()`, kv.officer), "$filter"],
      [call("GET", `${ASSIGNMENTS}?maxresults=1000`, kv.officer), "maxresults"],
      [
        call("PUT", `${DEFINITIONS}/${randomUUID()}`, admin, {
          properties: { roleName: "Bad", permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/fly/action"] }] },
        }),
        "dataActions",
      ],
    ];
    for (const [response, field] of cases) expect(expectKeyVaultError(await response, 400, "BadParameter")).toContain(field);
    const missingVersion = await rawRequest(kv.agent, `${vault}${ASSIGNMENTS}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(expectKeyVaultError(missingVersion, 400, "BadParameter")).toContain("api-version");
    const listed = await listAll(`${ASSIGNMENTS}?$filter=${encodeURIComponent(`principalId eq '${kv.server.admin.id}'`)}`, admin);
    expect(listed.items.every((a) => a.properties.principalId === kv.server.admin.id)).toBe(true);
  });

  it("leaves ARM its own single-slash path off the HSM host name", async () => {
    const https = kv.server.node.addresses.https;
    const response = await rawRequest(
      kv.agent,
      `https://${https}/providers/Microsoft.Authorization/roleDefinitions?api-version=${API_VERSION}`,
      {
        headers: { authorization: `Bearer ${await kv.server.token(kv.server.admin, "management")}` },
      },
    );
    // ARM refuses the Key Vault api-version in its own words; the Key Vault door would have listed HSM roles.
    expect(response.status).toBe(400);
    expect(response.body).not.toContain("Managed HSM Crypto User");
  });
});
