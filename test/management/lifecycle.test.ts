/** The managed HSM lifecycle over the ARM routes: create, poll, read, update, soft delete, recover, purge. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCATION, RESOURCE_GROUP, SUBSCRIPTION, hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

const DAY_MS = 24 * 60 * 60 * 1000;
const deletedPath = (name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/${LOCATION}/deletedManagedHSMs/${name}`;

/** The path part of an absolute Location URL. */
function pathOf(location: unknown): string {
  expect(typeof location).toBe("string");
  const url = new URL(String(location));
  return `${url.pathname}${url.search}`;
}

describe("managed HSM lifecycle", () => {
  it("creates with 202 and a pollable operation, then serves the ARM shape", async () => {
    const admin = await core.user("secops");
    const created = await core.createHsm("ContosoMHSM", [admin.id], { softDeleteRetentionInDays: 7 });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.headers["azure-asyncoperation"]).toBe(created.headers["location"]);

    const poll = await core.call("GET", pathOf(created.headers["location"]), core.root);
    expect(poll.status).toBe(200);
    expect(poll.body.status).toBe("Succeeded");

    const got = await core.call("GET", hsmPath("ContosoMHSM"), core.root);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: hsmPath("ContosoMHSM"),
      name: "ContosoMHSM",
      type: "Microsoft.KeyVault/managedHSMs",
      location: LOCATION,
      sku: { family: "B", name: "Standard_B1" },
      properties: {
        tenantId: core.tenant.id,
        initialAdminObjectIds: [admin.id],
        hsmUri: "https://ContosoMHSM.managedhsm.keyhold.local/",
        softDeleteRetentionInDays: 7,
        enablePurgeProtection: false,
        provisioningState: "Succeeded",
        publicNetworkAccess: "Enabled",
        securityDomainProperties: { activationStatus: "NotActivated" },
      },
    });
    expect(got.body.properties.securityDomainProperties.activationStatusMessage).toMatch(/download the security domain/);

    const byGroup = await core.call(
      "GET",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.KeyVault/managedHSMs`,
      core.root,
    );
    const bySubscription = await core.call("GET", `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/managedHSMs`, core.root);
    expect(byGroup.body.value.map((h: { name: string }) => h.name)).toEqual(["ContosoMHSM"]);
    expect(bySubscription.body.value.map((h: { name: string }) => h.name)).toEqual(["ContosoMHSM"]);
  });

  it("PATCH changes tags and network rules, turns purge protection on but never off, and keeps retention", async () => {
    await core.createHsm("patchme", [core.root.id]);
    const patched = await core.call("PATCH", hsmPath("patchme"), core.root, {
      tags: { env: "prod" },
      properties: {
        enablePurgeProtection: true,
        networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.0.0.0/8" }, { value: "2001:db8::/32" }] },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.tags).toEqual({ env: "prod" });
    expect(patched.body.properties.enablePurgeProtection).toBe(true);
    expect(patched.body.properties.networkAcls.ipRules).toEqual([{ value: "10.0.0.0/8" }, { value: "2001:db8::/32" }]);
    expect((await core.hsms.resolve("patchme")).networkAcls).toEqual({ defaultAction: "Deny", ipRules: ["10.0.0.0/8", "2001:db8::/32"] });

    const off = await core.call("PATCH", hsmPath("patchme"), core.root, { properties: { enablePurgeProtection: false } });
    expect(off.status).toBe(400);
    expect(off.body.error.message).toContain("properties.enablePurgeProtection");
    const retention = await core.call("PATCH", hsmPath("patchme"), core.root, { properties: { softDeleteRetentionInDays: 30 } });
    expect(retention.status).toBe(400);
    expect(retention.body.error.message).toContain("properties.softDeleteRetentionInDays");
    expect((await core.call("GET", hsmPath("patchme"), core.root)).body.properties).toMatchObject({
      enablePurgeProtection: true,
      softDeleteRetentionInDays: 90,
    });
  });

  it("PATCH takes the whole resource as GET returned it (read-modify-write), and names a changed immutable field", async () => {
    await core.createHsm("roundtrip", [core.root.id]);
    const resource = (await core.call("GET", hsmPath("roundtrip"), core.root)).body;
    expect(resource.properties).toMatchObject({
      provisioningState: "Succeeded",
      hsmUri: expect.any(String),
      securityDomainProperties: expect.any(Object),
    });
    const modified = { ...resource, tags: { env: "test" }, properties: { ...resource.properties, publicNetworkAccess: "Disabled" } };
    const patched = await core.call("PATCH", hsmPath("roundtrip"), core.root, modified);
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.tags).toEqual({ env: "test" });
    expect(patched.body.properties.publicNetworkAccess).toBe("Disabled");
    // The same body again, with ids spelled in another case and a sku without its family, changes nothing more.
    const respelled = {
      ...modified,
      id: modified.id.toUpperCase(),
      location: modified.location.toUpperCase(),
      sku: { name: modified.sku.name },
    };
    expect((await core.call("PATCH", hsmPath("roundtrip"), core.root, respelled)).status).toBe(200);
    // Read-only status fields are ignored, as ARM does.
    const stale = {
      ...modified,
      properties: {
        ...modified.properties,
        provisioningState: "Updating",
        statusMessage: "old",
        securityDomainProperties: { activationStatus: "Unknown" },
      },
    };
    expect((await core.call("PATCH", hsmPath("roundtrip"), core.root, stale)).status).toBe(200);

    const changes: [string, Record<string, unknown>][] = [
      ["location", { ...modified, location: "northeurope" }],
      ["sku", { ...modified, sku: { family: "B", name: "Custom_B32" } }],
      ["name", { ...modified, name: "another" }],
      ["id", { ...modified, id: hsmPath("another") }],
      ["type", { ...modified, type: "Microsoft.KeyVault/vaults" }],
      ["properties.tenantId", { ...modified, properties: { ...modified.properties, tenantId: "00000000-0000-4000-8000-000000000000" } }],
      ["properties.hsmUri", { ...modified, properties: { ...modified.properties, hsmUri: "https://elsewhere.example/" } }],
      [
        "properties.initialAdminObjectIds",
        { ...modified, properties: { ...modified.properties, initialAdminObjectIds: ["00000000-0000-4000-8000-000000000000"] } },
      ],
    ];
    for (const [field, body] of changes) {
      const refused = await core.call("PATCH", hsmPath("roundtrip"), core.root, body);
      expect(refused.status, field).toBe(400);
      expect(refused.body.error.code, field).toBe("InvalidRequestContent");
      expect(refused.body.error.message, field).toMatch(new RegExp(`^${field.replace(".", "\\.")}: cannot be changed`));
    }
    expect((await core.call("GET", hsmPath("roundtrip"), core.root)).body).toMatchObject({
      location: resource.location,
      sku: resource.sku,
      tags: { env: "test" },
    });
  });

  it("checkMhsmNameAvailability answers AlreadyExists, Invalid or available", async () => {
    await core.createHsm("taken-name", [core.root.id]);
    const check = (name: unknown) =>
      core.call("POST", `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/checkMhsmNameAvailability`, core.root, { name });
    const free = await check("free-name");
    expect([free.status, free.body]).toEqual([200, { nameAvailable: true }]);
    const taken = await check("TAKEN-name");
    expect(taken.body).toMatchObject({ nameAvailable: false, reason: "AlreadyExists" });
    expect(taken.body.message).toContain("already in use");
    for (const name of ["1starts-with-digit", "ab", "x".repeat(25), "bad_char"]) {
      const invalid = await check(name);
      expect(invalid.status, name).toBe(200);
      expect(invalid.body, name).toMatchObject({ nameAvailable: false, reason: "Invalid" });
    }
    await core.call("DELETE", hsmPath("taken-name"), core.root);
    expect((await check("taken-name")).body).toMatchObject({
      nameAvailable: false,
      reason: "AlreadyExists",
      message: expect.stringContaining("soft-deleted"),
    });

    const notAString = await check(42);
    expect([notAString.status, notAString.body.error.code]).toEqual([400, "InvalidRequestContent"]);
    // Management RBAC at the subscription: a user without a role is refused.
    const nobody = await core.user("nobody");
    const denied = await core.call(
      "POST",
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/checkMhsmNameAvailability`,
      nobody,
      { name: "free-name" },
    );
    expect([denied.status, denied.body.error.code]).toEqual([403, "AuthorizationFailed"]);
  });

  it("soft delete hides the HSM, holds its name, and recover brings it back", async () => {
    await core.createHsm("softie", [core.root.id]);
    const deleted = await core.call("DELETE", hsmPath("softie"), core.root);
    expect(deleted.status).toBe(202);
    expect((await core.call("GET", pathOf(deleted.headers["location"]), core.root)).body.status).toBe("Succeeded");

    const gone = await core.call("GET", hsmPath("softie"), core.root);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("ResourceNotFound");
    const listed = await core.call("GET", `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/deletedManagedHSMs`, core.root);
    expect(listed.body.value).toHaveLength(1);
    expect(listed.body.value[0]).toMatchObject({
      name: "softie",
      type: "Microsoft.KeyVault/deletedManagedHSMs",
      properties: { mhsmId: hsmPath("softie") },
    });
    const one = await core.call("GET", deletedPath("softie"), core.root);
    expect(Date.parse(one.body.properties.scheduledPurgeDate) - Date.parse(one.body.properties.deletionDate)).toBe(90 * DAY_MS);

    const reuse = await core.createHsm("softie", [core.root.id]);
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe("Conflict");
    await core.call("PUT", `/subscriptions/${SUBSCRIPTION}/resourceGroups/other-rg`, core.root, { location: LOCATION });
    const elsewhere = await core.call("PUT", hsmPath("softie", "other-rg"), core.root, {
      location: LOCATION,
      properties: { tenantId: core.tenant.id, initialAdminObjectIds: [core.root.id] },
    });
    expect(elsewhere.status).toBe(409);

    const recovered = await core.call("PUT", hsmPath("softie"), core.root, { location: LOCATION, properties: { createMode: "recover" } });
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(202);
    expect((await core.call("GET", hsmPath("softie"), core.root)).body.properties.provisioningState).toBe("Succeeded");
    expect((await core.call("GET", deletedPath("softie"), core.root)).status).toBe(404);
  });

  it("purge removes a deleted HSM and frees its name", async () => {
    await core.createHsm("purgeme", [core.root.id]);
    const hsmId = (await core.hsms.resolve("purgeme")).id;
    expect(await core.store.keys.getSealedDomainSecret(hsmId)).toBeDefined();
    await core.call("DELETE", hsmPath("purgeme"), core.root);
    const purged = await core.call("POST", `${deletedPath("purgeme")}/purge`, core.root);
    expect(purged.status, JSON.stringify(purged.body)).toBe(202);
    expect((await core.call("GET", deletedPath("purgeme"), core.root)).status).toBe(404);
    // Everything the data plane kept for it went too: the domain secret and the local assignments.
    expect(await core.store.keys.getSealedDomainSecret(hsmId)).toBeUndefined();
    expect(await core.store.rbac.listRoleAssignments(hsmId)).toEqual([]);
    expect((await core.createHsm("purgeme", [core.root.id])).status).toBe(202);
  });

  it("purge protection refuses a purge until the retention has passed", async () => {
    await core.createHsm("guarded", [core.root.id], { enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
    await core.call("DELETE", hsmPath("guarded"), core.root);
    const early = await core.call("POST", `${deletedPath("guarded")}/purge`, core.root);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/purge protection/i);
    expect((await core.call("GET", deletedPath("guarded"), core.root)).status).toBe(200);

    core.clock.now += 7 * DAY_MS + 1000;
    const late = await core.call("POST", `${deletedPath("guarded")}/purge`, core.root);
    expect(late.status, JSON.stringify(late.body)).toBe(202);
    expect((await core.call("GET", deletedPath("guarded"), core.root)).status).toBe(404);
  });

  it("a PUT on an existing HSM updates it in place and refuses to change what is immutable", async () => {
    await core.createHsm("again", [core.root.id]);
    const updated = await core.createHsm("again", [core.root.id], { publicNetworkAccess: "Disabled" });
    expect(updated.status).toBe(200);
    expect(updated.body.properties.publicNetworkAccess).toBe("Disabled");
    const moved = await core.call("PUT", hsmPath("again"), core.root, {
      location: "northeurope",
      properties: { tenantId: core.tenant.id, initialAdminObjectIds: [core.root.id] },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.message).toContain("location");
  });

  it("lets a Managed HSM Contributor of the resource group poll the operations it started, and no one outside", async () => {
    const team = await core.user("team");
    const outsider = await core.user("outsider");
    await core.grant(team, "18500a29-7fe2-46b2-a342-b16a415e101d", `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`);
    const created = await core.call("PUT", hsmPath("teamhsm"), team, {
      location: LOCATION,
      sku: { family: "B", name: "Standard_B1" },
      properties: { tenantId: core.tenant.id, initialAdminObjectIds: [team.id] },
    });
    expect(created.status).toBe(202);
    const poll = await core.call("GET", pathOf(created.headers["location"]), team);
    expect([poll.status, poll.body.status]).toEqual([200, "Succeeded"]);
    expect((await core.call("GET", pathOf(created.headers["location"]), outsider)).status).toBe(403);
    const elsewhere = pathOf(created.headers["location"]).replace(/resourceId=.*$/, `resourceId=${encodeURIComponent(hsmPath("other"))}`);
    expect((await core.call("GET", elsewhere, core.root)).status).toBe(404);
  });
});
