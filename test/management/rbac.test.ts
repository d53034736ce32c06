/** Management RBAC: built-in roles, inheritance down the scope tree, and role assignments over the ARM routes. */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONTRIBUTOR,
  MANAGED_HSM_CONTRIBUTOR,
  OWNER,
  READER,
  STORAGE_BLOB_DATA_READER,
  USER_ACCESS_ADMINISTRATOR,
} from "../../src/management/index.js";
import { auditJournalPath } from "../../src/audit/paths.js";
import { queryJournal } from "../../src/audit/query.js";
import { MANAGEMENT_JOURNAL } from "../../src/pipeline/audit-sink.js";
import { LOCATION, RESOURCE_GROUP, SUBSCRIPTION, hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

const SUB_SCOPE = `/subscriptions/${SUBSCRIPTION}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/${RESOURCE_GROUP}`;
const groupPath = (id: string): string => `/providers/Microsoft.Management/managementGroups/${id}`;
const assignmentPath = (scope: string, name: string): string =>
  `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
const roleId = (guid: string): string => `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

function hsmBody(admin: string): Record<string, unknown> {
  return { location: LOCATION, properties: { tenantId: core.tenant.id, initialAdminObjectIds: [admin] } };
}

describe("management RBAC", () => {
  it("an Owner at a management group reaches an HSM in a subscription two groups below", async () => {
    expect((await core.call("PUT", groupPath("contoso"), core.root, {})).status).toBe(201);
    const child = await core.call("PUT", groupPath("security"), core.root, {
      properties: { details: { parent: { id: groupPath("contoso") } } },
    });
    expect(child.status, JSON.stringify(child.body)).toBe(201);
    expect(child.body.properties.details.parent.id).toBe(groupPath("contoso"));
    expect((await core.call("PUT", SUB_SCOPE, core.root, { displayName: "Contoso", managementGroupId: "security" })).status).toBe(200);

    const owner = await core.user("mg-owner");
    const outsider = await core.user("outsider");
    await core.grant(owner, OWNER.name, groupPath("contoso"));
    expect((await core.call("PUT", hsmPath("inherited"), owner, hsmBody(owner.id))).status).toBe(202);
    expect((await core.call("GET", hsmPath("inherited"), owner)).status).toBe(200);
    const denied = await core.call("GET", hsmPath("inherited"), outsider);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("AuthorizationFailed");

    // Moving the subscription out from under the group takes the inherited grant away at once.
    expect((await core.call("PUT", SUB_SCOPE, core.root, { displayName: "Contoso" })).status).toBe(200);
    expect((await core.call("GET", hsmPath("inherited"), owner)).status).toBe(403);
  });

  it("moving a subscription needs write where it is as well as where it goes, and the refusal is audited at the scope that refused", async () => {
    expect((await core.call("PUT", groupPath("dest"), core.root, {})).status).toBe(201);
    const mover = await core.user("mover");
    await core.grant(mover, OWNER.name, groupPath("dest"));
    const refused = await core.call("PUT", SUB_SCOPE, mover, { displayName: "Contoso", managementGroupId: "dest" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(`over scope ${SUB_SCOPE}`);
    expect((await core.call("GET", SUB_SCOPE, core.root)).body.managementGroupId).toBeNull();

    const records = await queryJournal(auditJournalPath(core.dataDir, MANAGEMENT_JOURNAL, "node-1"));
    const audited = records.map((r) => r.event).filter((e) => e.operationName === "SubscriptionPut" && e.identity.oid === mover.id);
    expect(audited).toHaveLength(1);
    expect(audited[0]!.properties).toMatchObject({ decision: "denied", scope: SUB_SCOPE, errorCode: "ForbiddenByRbac" });

    await core.grant(mover, OWNER.name, SUB_SCOPE);
    expect((await core.call("PUT", SUB_SCOPE, mover, { displayName: "Contoso", managementGroupId: "dest" })).status).toBe(200);
  });

  it("a management group cannot be moved under its own descendant", async () => {
    await core.call("PUT", groupPath("top"), core.root, {});
    await core.call("PUT", groupPath("below"), core.root, { properties: { details: { parent: { id: groupPath("top") } } } });
    const cycle = await core.call("PUT", groupPath("top"), core.root, { properties: { details: { parent: { id: groupPath("below") } } } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toContain("properties.details.parent.id");
    const notEmpty = await core.call("DELETE", groupPath("top"), core.root);
    expect(notEmpty.status).toBe(409);
  });

  it("a Reader can GET an HSM but not PUT, PATCH or DELETE it", async () => {
    await core.createHsm("readme", [core.root.id]);
    const reader = await core.user("reader");
    await core.grant(reader, READER.name, SUB_SCOPE);
    expect((await core.call("GET", hsmPath("readme"), reader)).status).toBe(200);
    expect((await core.call("GET", `${SUB_SCOPE}/providers/Microsoft.KeyVault/managedHSMs`, reader)).status).toBe(200);
    for (const [method, payload] of [
      ["PUT", hsmBody(reader.id)],
      ["PATCH", { tags: { a: "b" } }],
      ["DELETE", undefined],
    ] as const) {
      const refused = await core.call(method, hsmPath("readme"), reader, payload);
      expect(refused.status, method).toBe(403);
      expect(refused.body.error.code).toBe("AuthorizationFailed");
      expect(refused.body.error.message).toContain(reader.id);
    }
  });

  it("a Managed HSM Contributor creates and deletes HSMs but cannot assign roles", async () => {
    const contributor = await core.user("hsm-contributor");
    await core.grant(contributor, MANAGED_HSM_CONTRIBUTOR.name, RG_SCOPE);
    expect((await core.call("PUT", hsmPath("teamhsm"), contributor, hsmBody(contributor.id))).status).toBe(202);
    expect((await core.call("GET", `${RG_SCOPE}`, contributor)).status).toBe(200);
    const assign = await core.call("PUT", assignmentPath(RG_SCOPE, randomUUID()), contributor, {
      properties: { roleDefinitionId: roleId(READER.name), principalId: contributor.id },
    });
    expect(assign.status).toBe(403);
    expect(assign.body.error.code).toBe("AuthorizationFailed");
    // Its actions stop at the resource group: the subscription is not its.
    expect((await core.call("PUT", `${SUB_SCOPE}/resourceGroups/another`, contributor, { location: LOCATION })).status).toBe(403);
    expect((await core.call("DELETE", hsmPath("teamhsm"), contributor)).status).toBe(202);
  });

  it("a Contributor manages resources but not access; a User Access Administrator manages access", async () => {
    const contributor = await core.user("contributor");
    const uaa = await core.user("uaa");
    await core.grant(contributor, CONTRIBUTOR.name, SUB_SCOPE);
    await core.grant(uaa, USER_ACCESS_ADMINISTRATOR.name, SUB_SCOPE);
    expect((await core.call("PUT", hsmPath("contrib"), contributor, hsmBody(contributor.id))).status).toBe(202);
    const body = { properties: { roleDefinitionId: roleId(READER.name), principalId: contributor.id } };
    expect((await core.call("PUT", assignmentPath(SUB_SCOPE, randomUUID()), contributor, body)).status).toBe(403);
    expect((await core.call("PUT", hsmPath("uaa-hsm"), uaa, hsmBody(uaa.id))).status).toBe(403);
    expect((await core.call("PUT", assignmentPath(SUB_SCOPE, randomUUID()), uaa, body)).status).toBe(201);
  });

  it("role assignments are created, read, listed and deleted at any scope, and take effect at once", async () => {
    await core.createHsm("assigned", [core.root.id]);
    const operator = await core.user("operator");
    const name = randomUUID();
    const path = assignmentPath(hsmPath("assigned"), name);
    expect((await core.call("GET", hsmPath("assigned"), operator)).status).toBe(403);

    const created = await core.call("PUT", path, core.root, {
      properties: { roleDefinitionId: roleId(READER.name), principalId: operator.id },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      id: path,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: { scope: hsmPath("assigned"), principalId: operator.id },
    });
    expect((await core.call("GET", hsmPath("assigned"), operator)).status).toBe(200);
    expect((await core.call("GET", path, core.root)).body.name).toBe(name);

    const listed = await core.call("GET", `${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments`, core.root);
    const names = listed.body.value.map((a: { name: string }) => a.name);
    expect(names).toContain(name); // below the scope
    expect(listed.body.value.some((a: { properties: { scope: string } }) => a.properties.scope === "/")).toBe(true); // above it
    const duplicate = await core.call("PUT", assignmentPath(hsmPath("assigned"), randomUUID()), core.root, {
      properties: { roleDefinitionId: roleId(READER.name), principalId: operator.id },
    });
    expect(duplicate.status).toBe(409);

    expect((await core.call("DELETE", path, core.root)).status).toBe(200);
    expect((await core.call("GET", path, core.root)).status).toBe(404);
    expect((await core.call("GET", hsmPath("assigned"), operator)).status).toBe(403);
  });

  it("role definitions list the built-ins; Storage Blob Data roles grant blob reads through dataActions only", async () => {
    const list = await core.call("GET", `${SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions`, core.root);
    expect(list.body.value.map((d: { properties: { roleName: string } }) => d.properties.roleName)).toEqual([
      "Owner",
      "Contributor",
      "Reader",
      "User Access Administrator",
      "Managed HSM contributor",
      "Storage Blob Data Reader",
      "Storage Blob Data Contributor",
    ]);
    const one = await core.call("GET", `/providers/Microsoft.Authorization/roleDefinitions/${MANAGED_HSM_CONTRIBUTOR.name}`, core.root);
    expect(one.body.properties.permissions[0].actions).toContain("Microsoft.KeyVault/managedHSMs/*");

    const auditor = await core.user("auditor");
    await core.grant(auditor, STORAGE_BLOB_DATA_READER.name, RG_SCOPE);
    const account = `${RG_SCOPE}/providers/Microsoft.Storage/storageAccounts/contosologs`;
    const blobRead = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    expect((await core.management.decide([auditor.id], blobRead, account)).allowed).toBe(true);
    expect(
      (await core.management.decide([auditor.id], "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", account))
        .allowed,
    ).toBe(false);
    // Owner's actions "*" are management actions: they do not read blob data.
    expect((await core.management.decide([core.root.id], blobRead, account)).allowed).toBe(false);
  });

  it("unknown role definitions and malformed scopes are refused naming the field", async () => {
    const operator = await core.user("op2");
    const bad = await core.call("PUT", assignmentPath(SUB_SCOPE, randomUUID()), core.root, {
      properties: { roleDefinitionId: roleId(randomUUID()), principalId: operator.id },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidRequestContent");
    expect(bad.body.error.message).toContain("properties.roleDefinitionId");
    const notGuid = await core.call("PUT", assignmentPath(SUB_SCOPE, "not-a-guid"), core.root, {
      properties: { roleDefinitionId: roleId(READER.name), principalId: operator.id },
    });
    expect(notGuid.status).toBe(400);
    expect(notGuid.body.error.message).toMatch(/^name/);
    expect((await core.store.management.listRoleAssignments()).filter((a) => a.principalId === operator.id)).toEqual([]);
  });
});
