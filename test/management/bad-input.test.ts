/** Bad input on the management routes: the ARM error shape, the field named, and nothing stored. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCATION, SUBSCRIPTION, hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

function validBody(): Record<string, any> {
  return {
    location: LOCATION,
    sku: { name: "Standard_B1" },
    properties: { tenantId: core.tenant.id, initialAdminObjectIds: [core.root.id] },
  };
}

async function expectNothingStored(): Promise<void> {
  expect(await core.store.management.listManagedHsms({ deleted: false })).toEqual([]);
  expect(await core.store.management.listManagedHsms({ deleted: true })).toEqual([]);
  expect((await core.call("GET", `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/managedHSMs`, core.root)).body.value).toEqual(
    [],
  );
}

describe("bad input on the management plane", () => {
  it("malformed JSON is InvalidRequestContent", async () => {
    const reply = await core.call("PUT", hsmPath("jsonhsm"), core.root, '{"location": "westeurope",');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("InvalidRequestContent");
    expect(Object.keys(reply.body)).toEqual(["error"]);
    await expectNothingStored();
  });

  const cases: [string, (body: Record<string, any>) => unknown, string][] = [
    ["a wrong type", (b) => ({ ...b, location: 42 }), "location"],
    [
      "a wrong nested type",
      (b) => ({ ...b, properties: { ...b.properties, enablePurgeProtection: "yes" } }),
      "properties.enablePurgeProtection",
    ],
    ["an unknown property", (b) => ({ ...b, colour: "blue" }), "colour"],
    ["an unknown nested property", (b) => ({ ...b, properties: { ...b.properties, hsmUri: "https://evil/" } }), "properties.hsmUri"],
    [
      "an invalid CIDR",
      (b) => ({
        ...b,
        properties: {
          ...b.properties,
          networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.0.0.0/8" }, { value: "10.0.0.0/33" }] },
        },
      }),
      "properties.networkAcls.ipRules[1]",
    ],
    [
      "a retention out of range",
      (b) => ({ ...b, properties: { ...b.properties, softDeleteRetentionInDays: 6 } }),
      "properties.softDeleteRetentionInDays",
    ],
    [
      "an admin that is not an object id",
      (b) => ({ ...b, properties: { ...b.properties, initialAdminObjectIds: ["admin"] } }),
      "properties.initialAdminObjectIds[0]",
    ],
    [
      "no initial administrator",
      (b) => ({ ...b, properties: { ...b.properties, initialAdminObjectIds: [] } }),
      "properties.initialAdminObjectIds",
    ],
    [
      "another tenant",
      (b) => ({ ...b, properties: { ...b.properties, tenantId: "00000000-0000-4000-8000-000000000000" } }),
      "properties.tenantId",
    ],
    ["an unknown sku", (b) => ({ ...b, sku: { name: "Premium" } }), "sku.name"],
  ];
  for (const [what, mutate, field] of cases) {
    it(`${what} is refused naming ${field}, with no partial resource`, async () => {
      const reply = await core.call("PUT", hsmPath("goodname"), core.root, mutate(validBody()));
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.error.code).toBe("InvalidRequestContent");
      expect(reply.body.error.message.startsWith(`${field}:`), reply.body.error.message).toBe(true);
      await expectNothingStored();
    });
  }

  it("names that are not allowed are refused", async () => {
    for (const name of ["1starts-with-digit", "ab", "a".repeat(25), "has_underscore", "keyhold-management"]) {
      const reply = await core.call("PUT", hsmPath(name), core.root, validBody());
      expect(reply.status, name).toBe(400);
      expect(reply.body.error.message, name).toMatch(/^name:/);
    }
    await expectNothingStored();
  });

  it("a missing resource group or subscription is ResourceNotFound, and nothing is stored", async () => {
    const noGroup = await core.call("PUT", hsmPath("orphan", "no-such-rg"), core.root, validBody());
    expect(noGroup.status).toBe(404);
    expect(noGroup.body.error.code).toBe("ResourceNotFound");
    const noSubscription = await core.call("PUT", hsmPath("orphan", "rg", "99999999-2222-4333-8444-555555555555"), core.root, validBody());
    expect(noSubscription.status).toBe(404);
    await expectNothingStored();
  });

  it("a call without a token gets 401 with the challenge", async () => {
    const reply = await core.call("GET", hsmPath("anyname"), undefined);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("AuthenticationFailed");
    expect(String(reply.headers["www-authenticate"])).toContain('resource="https://management.azure.com"');
  });

  it("a data-plane token is refused by the management plane", async () => {
    const response = await core.https.app.inject({
      method: "GET",
      url: `${hsmPath("anyname")}?api-version=2023-07-01`,
      headers: { authorization: `Bearer ${await core.token(core.root, "data")}` },
    });
    expect(response.statusCode).toBe(401);
  });
});
