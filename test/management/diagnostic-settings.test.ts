/**
 * Diagnostic settings on a managed HSM: an audit event made by a data-plane call reaches the storage account's
 * `insights-logs-auditevent` container and is read back through the blob routes; bad settings leave nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DiagnosticForwarder,
  fileDelivery,
  MANAGED_HSM_CONTRIBUTOR,
  READER,
  STORAGE_BLOB_DATA_READER,
  storedDiagnosticSettings,
} from "../../src/management/index.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { RESOURCE_GROUP, SUBSCRIPTION, hsmPath, managementCore, type ManagementCore } from "./helpers.js";
import { ACCOUNT_BODY, accountPath, containerPath, rawGet, settingPath } from "./storage-routes.js";

let core: ManagementCore;
let admin: PrincipalRecord;
let auditor: PrincipalRecord;
const HSM = "ContosoMHSM";
const ACCOUNT = "contosologstorage";

beforeEach(async () => {
  core = await managementCore();
  admin = await core.user("secops");
  auditor = await core.user("auditor");
  expect((await core.createHsm(HSM, [admin.id])).status).toBe(202);
  await core.hsms.markActivated((await core.hsms.resolve(HSM)).id);
  expect((await core.call("PUT", accountPath(ACCOUNT), core.root, ACCOUNT_BODY)).status).toBe(201);
  await core.grant(auditor, STORAGE_BLOB_DATA_READER.name, accountPath(ACCOUNT));
});
afterEach(async () => {
  await core.close();
});

const auditSetting = (enabled = true, category = "AuditEvent", storageAccountId = accountPath(ACCOUNT)) => ({
  properties: { storageAccountId, logs: [{ category, enabled }] },
});

/** Every audit line the auditor can read from the account, through the blob routes. */
async function auditLines(): Promise<Record<string, unknown>[]> {
  const container = containerPath(ACCOUNT, "insights-logs-auditevent");
  const listed = await core.call("GET", `${container}/blobs?prefix=resourceId=`, auditor);
  if (listed.status === 404) return [];
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  const lines: Record<string, unknown>[] = [];
  for (const { name } of listed.body.value as { name: string }[]) {
    expect(name).toMatch(new RegExp(`^resourceId=${hsmPath(HSM).toUpperCase()}/y=\\d{4}/m=\\d{2}/d=\\d{2}/h=\\d{2}/m=00/PT1H\\.json$`));
    const blob = await rawGet(core, `${container}/blobs/${name}`, auditor);
    expect([blob.status, blob.contentType]).toEqual([200, "application/json"]);
    lines.push(
      ...blob.text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }
  return lines;
}

async function roleDefinitionList(): Promise<void> {
  await core.dataCall("RoleDefinitionList", { scope: "/" }, admin, HSM);
  await core.forwarder.flush();
}

describe("diagnostic settings", () => {
  it("copies a data-plane audit event into the storage account, readable through the blob routes", async () => {
    const put = await core.call("PUT", settingPath(HSM, "to-storage"), core.root, auditSetting());
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual({
      id: settingPath(HSM, "to-storage"),
      name: "to-storage",
      type: "Microsoft.Insights/diagnosticSettings",
      properties: { storageAccountId: accountPath(ACCOUNT), logs: [{ category: "AuditEvent", enabled: true }], metrics: [] },
    });
    await roleDefinitionList();

    const lines = await auditLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      resourceId: hsmPath(HSM).toUpperCase(),
      operationName: "RoleDefinitionList",
      category: "AuditEvent",
      resultType: "Success",
      identity: { oid: admin.id },
    });

    const got = await core.call("GET", settingPath(HSM, "to-storage"), core.root);
    expect(got.body).toEqual(put.body);
    const listed = await core.call("GET", `${hsmPath(HSM)}/providers/Microsoft.Insights/diagnosticSettings`, core.root);
    expect(listed.body.value.map((s: { name: string }) => s.name)).toEqual(["to-storage"]);

    expect((await core.call("DELETE", settingPath(HSM, "to-storage"), core.root)).status).toBe(200);
    await roleDefinitionList();
    expect(await auditLines()).toHaveLength(1);
    expect((await core.call("GET", settingPath(HSM, "to-storage"), core.root)).status).toBe(404);
    expect((await core.call("DELETE", settingPath(HSM, "to-storage"), core.root)).status).toBe(204);
  });

  it("stops forwarding when the setting is disabled and when its storage account is deleted", async () => {
    await core.call("PUT", settingPath(HSM, "toggle"), core.root, auditSetting(false));
    await roleDefinitionList();
    expect(await auditLines()).toHaveLength(0);

    await core.call("PUT", settingPath(HSM, "toggle"), core.root, auditSetting(true));
    await roleDefinitionList();
    expect(await auditLines()).toHaveLength(1);

    expect((await core.call("DELETE", accountPath(ACCOUNT), core.root)).status).toBe(200);
    expect((await core.call("GET", settingPath(HSM, "toggle"), core.root)).status).toBe(404);
    await roleDefinitionList();
    expect(core.forwarder.getStats()).toMatchObject({ pendingBytes: 0, failedAppends: 0, deliveredLines: 1 });
  });

  it("is managed by Managed HSM Contributor and refused to Reader", async () => {
    const team = await core.user("security-team");
    const reader = await core.user("reader");
    await core.grant(team, MANAGED_HSM_CONTRIBUTOR.name, `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`);
    await core.grant(reader, READER.name, `/subscriptions/${SUBSCRIPTION}`);
    expect((await core.call("PUT", settingPath(HSM, "by-team"), team, auditSetting())).status).toBe(200);
    const refused = await core.call("PUT", settingPath(HSM, "by-reader"), reader, auditSetting());
    expect([refused.status, refused.body.error.code]).toEqual([403, "AuthorizationFailed"]);
    expect((await core.call("GET", settingPath(HSM, "by-team"), reader)).status).toBe(200);
    expect((await core.call("DELETE", settingPath(HSM, "by-team"), reader)).status).toBe(403);
  });

  it.each([
    ["properties.logs[0].category", auditSetting(true, "Metrics")],
    ["properties.storageAccountId", auditSetting(true, "AuditEvent", accountPath("nosuchaccount"))],
    ["properties.storageAccountId", auditSetting(true, "AuditEvent", "contosologstorage")],
    [
      "properties.logs[0].enabled",
      { properties: { storageAccountId: accountPath(ACCOUNT), logs: [{ category: "AuditEvent", enabled: "yes" }] } },
    ],
    ["properties.logs", { properties: { storageAccountId: accountPath(ACCOUNT), logs: [] } }],
    ["properties.workspaceId", { properties: { ...auditSetting().properties, workspaceId: "/x" } }],
  ])("refuses bad %s with the ARM error shape and stores nothing", async (field, body) => {
    const reply = await core.call("PUT", settingPath(HSM, "bad"), core.root, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("InvalidRequestContent");
    expect(reply.body.error.message).toContain(field);
    expect((await core.call("GET", settingPath(HSM, "bad"), core.root)).status).toBe(404);
    await roleDefinitionList();
    expect(await auditLines()).toHaveLength(0);
  });

  it("answers 404 for an HSM that does not exist and refuses a bad setting name", async () => {
    const missing = await core.call("PUT", settingPath("NoSuchHsm", "s"), core.root, auditSetting());
    expect([missing.status, missing.body.error.code]).toEqual([404, "ResourceNotFound"]);
    const badName = await core.call("PUT", settingPath(HSM, "a%3Ab"), core.root, auditSetting());
    expect([badName.status, badName.body.error.message]).toEqual([400, expect.stringContaining("settingName")]);
  });

  it("a forwarder started after a restart follows the stored settings and resumes from its cursor, delivering each event once", async () => {
    await core.call("PUT", settingPath(HSM, "survives"), core.root, auditSetting());
    await roleDefinitionList();
    // The node stops (its forwarder gives up its claim); calls audited meanwhile wait in the journal.
    await core.forwarder.close();
    await core
      .dataCall("RoleDefinitionGet", { scope: "/", name: "00000000-0000-0000-0000-000000000000" }, admin, HSM)
      .catch(() => undefined);
    const restarted = new DiagnosticForwarder({
      nodeId: "node-1",
      store: core.store,
      settings: () => storedDiagnosticSettings(core.store),
      journals: core.audit,
      delivery: fileDelivery(core.blobs, core.store.diagnosticCursors),
      flushIntervalMs: 60_000,
    });
    try {
      await core.dataCall("RoleDefinitionList", { scope: "/" }, admin, HSM);
      await restarted.flush();
      expect((await auditLines()).map((line) => line["operationName"])).toEqual([
        "RoleDefinitionList",
        "RoleDefinitionGet",
        "RoleDefinitionList",
      ]);
    } finally {
      await restarted.close();
    }
  });
});
