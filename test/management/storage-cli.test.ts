/** `keyhold storage ...` and `keyhold diagnostic-settings ...` against the management routes on a real TLS listener. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerDiagnosticSettingsCommands } from "../../src/cli/diagnostic-settings.js";
import { registerStorageCommands } from "../../src/cli/storage.js";
import { STORAGE_BLOB_DATA_READER } from "../../src/management/index.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { runCli } from "../helpers/cli.js";
import { RESOURCE_GROUP, SUBSCRIPTION, hsmPath, managementCore, type ManagementCore } from "./helpers.js";
import { accountPath } from "./storage-routes.js";
import { listenWithTls } from "./tls-listener.js";

let core: ManagementCore;
let server: FastifyInstance;
let endpoint: string;

beforeEach(async () => {
  core = await managementCore();
  ({ server, endpoint } = await listenWithTls(core));
});
afterEach(async () => {
  await server.close();
  await core.close();
});

async function cli(principal: PrincipalRecord, command: readonly string[], ...flags: string[]) {
  const connection = [
    "--endpoint",
    endpoint,
    "--token",
    await core.token(principal),
    "--subscription",
    SUBSCRIPTION,
    "--resource-group",
    RESOURCE_GROUP,
  ];
  return runCli([registerStorageCommands, registerDiagnosticSettingsCommands], core.dataDir, [...command, ...connection, ...flags]);
}

describe("keyhold storage and keyhold diagnostic-settings", () => {
  it("creates an account, turns on audit logging for an HSM, and lets an auditor list and download the log", async () => {
    const created = await cli(core.root, ["storage", "create"], "--name", "clilogs", "--location", "westeurope", "--tags", "team=sec");
    expect(created.stderr).toBe("");
    const account = JSON.parse(created.stdout) as { id: string; properties: { primaryEndpoints: { blob: string } } };
    expect(account.id).toBe(accountPath("clilogs"));
    expect(account.properties.primaryEndpoints.blob).toBe(`https://${endpoint}${accountPath("clilogs")}/blobServices/default`);
    expect(JSON.parse((await cli(core.root, ["storage", "list"])).stdout).map((a: { name: string }) => a.name)).toEqual(["clilogs"]);
    expect(JSON.parse((await cli(core.root, ["storage", "show"], "--name", "clilogs")).stdout).kind).toBe("StorageV2");

    const admin = await core.user("secops");
    await core.createHsm("CliHsm", [admin.id]);
    await core.hsms.markActivated((await core.hsms.resolve("CliHsm")).id);
    const setting = await cli(
      core.root,
      ["diagnostic-settings", "create"],
      "--resource",
      hsmPath("CliHsm"),
      "--name",
      "audit",
      "--storage-account",
      accountPath("clilogs"),
      "--logs",
      '[{"category":"AuditEvent","enabled":true}]',
    );
    expect(setting.stderr).toBe("");
    expect(JSON.parse(setting.stdout).properties.logs).toEqual([{ category: "AuditEvent", enabled: true }]);
    expect(JSON.parse((await cli(core.root, ["diagnostic-settings", "list"], "--resource", hsmPath("CliHsm"))).stdout)).toHaveLength(1);

    await core.dataCall("RoleDefinitionList", { scope: "/" }, admin, "CliHsm");
    await core.forwarder.flush();

    const auditor = await core.user("auditor");
    await core.grant(auditor, STORAGE_BLOB_DATA_READER.name, accountPath("clilogs"));
    const blobs = JSON.parse(
      (await cli(auditor, ["storage", "blob", "list"], "--account-name", "clilogs", "--container", "insights-logs-auditevent")).stdout,
    ) as { name: string }[];
    expect(blobs).toHaveLength(1);
    const file = join(core.dataDir, "PT1H.json");
    const download = await cli(
      auditor,
      ["storage", "blob", "download"],
      "--account-name",
      "clilogs",
      "--container",
      "insights-logs-auditevent",
      "--name",
      blobs[0]!.name,
      "--file",
      file,
    );
    expect(download.stderr).toBe("");
    const line = JSON.parse((await readFile(file, "utf8")).trimEnd()) as { operationName: string; resourceId: string };
    expect(line).toMatchObject({ operationName: "RoleDefinitionList", resourceId: hsmPath("CliHsm").toUpperCase() });
    const toStdout = await cli(
      auditor,
      ["storage", "blob", "download"],
      "--account-name",
      "clilogs",
      "--container",
      "insights-logs-auditevent",
      "--name",
      blobs[0]!.name,
    );
    expect(toStdout.stdout).toBe(await readFile(file, "utf8"));

    const refused = await cli(admin, ["storage", "blob", "list"], "--account-name", "clilogs", "--container", "insights-logs-auditevent");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^error: AuthorizationFailed \(403\)/);

    expect(
      JSON.parse((await cli(core.root, ["diagnostic-settings", "delete"], "--resource", hsmPath("CliHsm"), "--name", "audit")).stdout),
    ).toEqual({ name: "audit", deleted: true });
    expect((await cli(core.root, ["diagnostic-settings", "show"], "--resource", hsmPath("CliHsm"), "--name", "audit")).stderr).toMatch(
      /ResourceNotFound \(404\)/,
    );
    expect(JSON.parse((await cli(core.root, ["storage", "delete"], "--name", "clilogs")).stdout)).toEqual({
      name: "clilogs",
      deleted: true,
    });
    expect((await cli(core.root, ["storage", "show"], "--name", "clilogs")).exitCode).toBe(1);
  });

  it("names the flag that is wrong", async () => {
    const badLogs = await cli(
      core.root,
      ["diagnostic-settings", "create"],
      "--resource",
      hsmPath("Nope"),
      "--name",
      "x",
      "--storage-account",
      accountPath("nope"),
      "--logs",
      "[{",
    );
    expect([badLogs.exitCode, badLogs.stderr]).toEqual([1, expect.stringContaining("--logs")]);
    const badResource = await cli(core.root, ["diagnostic-settings", "show"], "--resource", "ContosoMHSM", "--name", "x");
    expect([badResource.exitCode, badResource.stderr]).toEqual([1, expect.stringContaining("--resource")]);
    const badSku = await cli(core.root, ["storage", "create"], "--name", "skutest", "--location", "westeurope", "--sku", "Gold");
    expect([badSku.exitCode, badSku.stderr]).toEqual([1, expect.stringContaining("sku.name")]);
  });
});
