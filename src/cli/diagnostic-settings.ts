/**
 * `keyhold diagnostic-settings create|show|delete|list`: an HSM's audit events copied into a storage account
 * (SPEC section 7), shaped like `az monitor diagnostic-settings ...`: `--resource` is the HSM's ARM id and `--logs`
 * the JSON list Azure takes.
 */
import type { Command } from "commander";
import { badParameter } from "../errors.js";
import { requireFlag } from "./client-options.js";
import { runManagement, withManagementOptions, type ManagementFlags } from "./mgmt.js";

interface SettingFlags extends ManagementFlags {
  readonly resource: string;
  readonly name: string;
}

function settingsPath(resource: string): string {
  const id = requireFlag("--resource", resource);
  if (!id.startsWith("/"))
    throw badParameter(
      "--resource",
      "must be the resource's ARM id, e.g. /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/managedHSMs/<name>",
    );
  return `${id.replace(/\/+$/, "")}/providers/Microsoft.Insights/diagnosticSettings`;
}

function settingPath(flags: SettingFlags): string {
  return `${settingsPath(flags.resource)}/${encodeURIComponent(requireFlag("--name", flags.name))}`;
}

function parseLogs(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badParameter("--logs", `must be JSON, e.g. '[{"category":"AuditEvent","enabled":true}]'`);
  }
}

export function registerDiagnosticSettingsCommands(program: Command): void {
  const settings = program
    .command("diagnostic-settings")
    .description("copy an HSM's audit events into a storage account (management plane)");

  withManagementOptions(settings.command("create").description("create or replace a diagnostic setting"))
    .requiredOption("--resource <id>", "the managed HSM's ARM id")
    .requiredOption("--name <name>", "the setting's name")
    .requiredOption("--storage-account <id>", "the storage account's ARM id")
    .option("--logs <json>", "log categories", '[{"category":"AuditEvent","enabled":true}]')
    .action((options: SettingFlags & { storageAccount: string; logs: string }) =>
      runManagement(program, options, async (client) => {
        const body = {
          properties: { storageAccountId: requireFlag("--storage-account", options.storageAccount), logs: parseLogs(options.logs) },
        };
        return (await client.send("PUT", settingPath(options), body)).body;
      }),
    );

  withManagementOptions(settings.command("show").description("show a diagnostic setting"))
    .requiredOption("--resource <id>", "the managed HSM's ARM id")
    .requiredOption("--name <name>", "the setting's name")
    .action((options: SettingFlags) =>
      runManagement(program, options, async (client) => (await client.send("GET", settingPath(options))).body),
    );

  withManagementOptions(settings.command("delete").description("delete a diagnostic setting; forwarding stops at once"))
    .requiredOption("--resource <id>", "the managed HSM's ARM id")
    .requiredOption("--name <name>", "the setting's name")
    .action((options: SettingFlags) =>
      runManagement(program, options, async (client) => {
        const reply = await client.send("DELETE", settingPath(options));
        return { name: options.name, deleted: reply.status !== 204 };
      }),
    );

  withManagementOptions(settings.command("list").description("list a resource's diagnostic settings"))
    .requiredOption("--resource <id>", "the managed HSM's ARM id")
    .action((options: ManagementFlags & { resource: string }) =>
      runManagement(
        program,
        options,
        async (client) => ((await client.send("GET", settingsPath(options.resource))).body as { value?: unknown[] }).value ?? [],
      ),
    );
}
