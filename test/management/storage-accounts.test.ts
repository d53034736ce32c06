/** Storage accounts over the ARM routes and their blobs read over HTTPS, with the data action deciding who reads. */
import { access, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withApiVersion } from "../../src/management/api-versions.js";
import { READER, STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER } from "../../src/management/index.js";
import { RESOURCE_GROUP, SUBSCRIPTION, managementCore, type ManagementCore } from "./helpers.js";
import { ACCOUNT_BODY, accountPath, containerPath, rawGet } from "./storage-routes.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => {
  await core.close();
});

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
const accountDirectories = (): Promise<string[]> => readdir(core.blobs.root).catch(() => []);

async function accountWithBlobs(name: string): Promise<void> {
  expect((await core.call("PUT", accountPath(name), core.root, ACCOUNT_BODY)).status).toBe(201);
  await core.blobs.createContainer(name, "logs");
  await core.blobs.appendBlob(name, "logs", "a/one.json", Buffer.from('{"n":1}\n'));
  await core.blobs.appendBlob(name, "logs", "a/two.bin", Buffer.from([0, 1, 2, 255]));
  await core.blobs.appendBlob(name, "logs", "b/three.json", Buffer.from('{"n":3}\n'));
}

describe("storage accounts", () => {
  it("creates, reads, lists and deletes an account with its directory", async () => {
    const createdReply = await core.call("PUT", accountPath("contosologs"), core.root, ACCOUNT_BODY);
    expect(createdReply.status, JSON.stringify(createdReply.body)).toBe(201);
    expect(await exists(join(core.blobs.root, "contosologs"))).toBe(true);
    expect((await core.call("PUT", accountPath("contosologs"), core.root, ACCOUNT_BODY)).status).toBe(200);

    const got = await core.call("GET", accountPath("contosologs"), core.root);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: accountPath("contosologs"),
      name: "contosologs",
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      sku: { name: "Standard_LRS", tier: "Standard" },
      kind: "StorageV2",
      tags: { team: "sec" },
      properties: { provisioningState: "Succeeded" },
    });
    expect(got.body.properties.primaryEndpoints.blob).toMatch(
      new RegExp(`^https?://[^/]+${accountPath("contosologs")}/blobServices/default$`),
    );

    const listed = await core.call(
      "GET",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts`,
      core.root,
    );
    expect(listed.body.value.map((a: { name: string }) => a.name)).toEqual(["contosologs"]);

    expect((await core.call("DELETE", accountPath("contosologs"), core.root)).status).toBe(200);
    expect(await exists(join(core.blobs.root, "contosologs"))).toBe(false);
    expect((await core.call("GET", accountPath("contosologs"), core.root)).status).toBe(404);
    expect((await core.call("DELETE", accountPath("contosologs"), core.root)).status).toBe(204);
  });

  it("refuses a name taken in another resource group and an account in a missing group", async () => {
    await core.call("PUT", accountPath("takenname"), core.root, ACCOUNT_BODY);
    await core.call("PUT", `/subscriptions/${SUBSCRIPTION}/resourcegroups/other-rg`, core.root, { location: "westeurope" });
    const clash = await core.call("PUT", accountPath("takenname", "other-rg"), core.root, ACCOUNT_BODY);
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("Conflict");
    expect((await core.call("GET", accountPath("takenname", "other-rg"), core.root)).status).toBe(404);
    expect((await core.call("PUT", accountPath("nogroup", "missing-rg"), core.root, ACCOUNT_BODY)).status).toBe(404);
    expect(await exists(join(core.blobs.root, "nogroup"))).toBe(false);
  });

  it.each([
    ["name", accountPath("Bad_Name"), ACCOUNT_BODY],
    ["sku.name", accountPath("badsku"), { ...ACCOUNT_BODY, sku: { name: "Gold" } }],
    ["kind", accountPath("nokind"), { location: "westeurope", sku: { name: "Standard_LRS" } }],
    ["location", accountPath("badloc"), { ...ACCOUNT_BODY, location: 7 }],
    ["properties.accessTier", accountPath("extra"), { ...ACCOUNT_BODY, properties: { accessTier: "Hot" } }],
    ["body", accountPath("notjson"), "{not json"],
  ])("answers bad %s with the ARM error shape and creates nothing", async (field, path, body) => {
    const reply = await core.call("PUT", path, core.root, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toMatch(/InvalidRequestContent|BadRequest/);
    if (field !== "body") expect(reply.body.error.message).toContain(field);
    expect((await core.call("GET", path, core.root)).status).not.toBe(200);
    expect(await core.store.management.listStorageAccounts({})).toEqual([]);
    expect(await accountDirectories()).toEqual([]);
  });
});

describe("blob reads", () => {
  it("lists with prefix and pages with nextLink, and serves bytes with their content type", async () => {
    await accountWithBlobs("readme");
    const all = await core.call("GET", `${containerPath("readme", "logs")}/blobs`, core.root);
    expect(all.status, JSON.stringify(all.body)).toBe(403);

    const reader = await core.user("auditor");
    await core.grant(reader, STORAGE_BLOB_DATA_READER.name, accountPath("readme"));
    const listed = await core.call("GET", `${containerPath("readme", "logs")}/blobs?prefix=a/`, reader);
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((b: { name: string; size: number }) => [b.name, b.size])).toEqual([
      ["a/one.json", 8],
      ["a/two.bin", 4],
    ]);
    expect(listed.body.nextLink).toBeUndefined();
    expect(Date.parse(listed.body.value[0].lastModified)).not.toBeNaN();

    const first = await core.call("GET", `${containerPath("readme", "logs")}/blobs?maxresults=2`, reader);
    expect(first.body.value.map((b: { name: string }) => b.name)).toEqual(["a/one.json", "a/two.bin"]);
    const next = new URL(first.body.nextLink as string);
    const second = await core.call("GET", `${next.pathname}${next.search}`, reader);
    expect(second.body.value.map((b: { name: string }) => b.name)).toEqual(["b/three.json"]);
    expect(second.body.nextLink).toBeUndefined();

    const json = await rawGet(core, `${containerPath("readme", "logs")}/blobs/a/one.json`, reader);
    expect([json.status, json.contentType, json.text]).toEqual([200, "application/json", '{"n":1}\n']);
    const bytes = await core.https.app.inject({
      method: "GET",
      url: withApiVersion(`${containerPath("readme", "logs")}/blobs/a/two.bin`),
      headers: { authorization: `Bearer ${await core.token(reader)}` },
    });
    expect(bytes.headers["content-type"]).toBe("application/octet-stream");
    expect([...bytes.rawPayload]).toEqual([0, 1, 2, 255]);

    const missing = await rawGet(core, `${containerPath("readme", "logs")}/blobs/a/none.json`, reader);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe("ResourceNotFound");
    const escape = await rawGet(core, `${containerPath("readme", "logs")}/blobs/..%2F..%2Fescape`, reader);
    expect(escape.status).toBe(400);
    expect(JSON.parse(escape.text).error.message).toContain("blob");
  });

  it("allows Storage Blob Data Reader or Contributor at the account or above, and nobody else", async () => {
    await accountWithBlobs("guarded");
    const blobUrl = `${containerPath("guarded", "logs")}/blobs/b/three.json`;
    const atAccount = await core.user("at-account");
    const atGroup = await core.user("at-group");
    const contributor = await core.user("contributor");
    const reader = await core.user("reader");
    const hsmAdmin = await core.user("hsm-admin");
    await core.grant(atAccount, STORAGE_BLOB_DATA_READER.name, accountPath("guarded"));
    await core.grant(atGroup, STORAGE_BLOB_DATA_READER.name, `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`);
    await core.grant(contributor, STORAGE_BLOB_DATA_CONTRIBUTOR.name, `/subscriptions/${SUBSCRIPTION}`);
    await core.grant(reader, READER.name, accountPath("guarded"));
    // A Managed HSM Administrator of an HSM in the same group: a data-plane role, which reaches no storage account.
    expect((await core.createHsm("adminhsm", [hsmAdmin.id])).status).toBe(202);

    for (const allowed of [atAccount, atGroup, contributor]) {
      const reply = await rawGet(core, blobUrl, allowed);
      expect([reply.status, reply.text]).toEqual([200, '{"n":3}\n']);
    }
    for (const refused of [reader, hsmAdmin, core.root]) {
      const reply = await rawGet(core, blobUrl, refused);
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.text).error.code).toBe("AuthorizationFailed");
      expect((await core.call("GET", `${containerPath("guarded", "logs")}/blobs`, refused)).status).toBe(403);
    }
    // Reader sees the account and its containers (control plane), not the blobs.
    expect((await core.call("GET", accountPath("guarded"), reader)).status).toBe(200);
    const containers = await core.call("GET", `${accountPath("guarded")}/blobServices/default/containers`, reader);
    expect(containers.body.value.map((c: { name: string }) => c.name)).toEqual(["logs"]);
  });

  it("does not serve an account through another resource group's path", async () => {
    await accountWithBlobs("elsewhere");
    await core.call("PUT", `/subscriptions/${SUBSCRIPTION}/resourcegroups/decoy-rg`, core.root, { location: "westeurope" });
    const decoyReader = await core.user("decoy-reader");
    await core.grant(decoyReader, STORAGE_BLOB_DATA_READER.name, `/subscriptions/${SUBSCRIPTION}/resourceGroups/decoy-rg`);
    const decoyPath = `${accountPath("elsewhere", "decoy-rg")}/blobServices/default/containers/logs/blobs/a/one.json`;
    expect((await rawGet(core, decoyPath, decoyReader)).status).toBe(404);
  });
});
