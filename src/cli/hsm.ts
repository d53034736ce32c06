/**
 * `keyhold hsm create|show|list|update|delete|purge|list-deleted|recover`: managed HSMs over the HTTPS management
 * routes (SPEC section 7), shaped like `az keyvault create --hsm-name ...`. Long-running calls wait for their
 * operation; every command prints JSON.
 */
import { decodeJwt } from "jose";
import type { Command } from "commander";
import { badParameter } from "../errors.js";
import { deletedManagedHsmId, MANAGED_HSM_TYPE, managedHsmId, resourceGroupScope, subscriptionScope } from "../arm/arm-ids.js";
import type { ArmClient } from "../management/client/arm-client.js";
import { dataDirOf, parseTags, requireFlag } from "./client-options.js";
import { resolvePrincipalIds } from "./principal-names.js";
import { runManagement, withManagementOptions, type ManagementFlags } from "./mgmt.js";

interface HsmFlags extends ManagementFlags {
  readonly name: string;
}

interface HsmSettingsFlags {
  readonly tags?: string[];
  readonly enablePurgeProtection?: boolean;
  readonly publicNetworkAccess?: string;
  readonly defaultAction?: string;
  readonly ipRules?: string[];
}

function hsmPath(flags: HsmFlags): string {
  return managedHsmId({
    subscriptionId: requireFlag("--subscription", flags.subscription),
    resourceGroup: requireFlag("--resource-group", flags.resourceGroup),
    name: requireFlag("--name", flags.name),
  });
}

/** The properties the settings flags give (only those given, so an update leaves the rest alone). */
export function settingsProperties(flags: HsmSettingsFlags): Record<string, unknown> {
  const ipRules = flags.ipRules?.map((value) => ({ value }));
  return {
    ...(flags.enablePurgeProtection === undefined ? {} : { enablePurgeProtection: flags.enablePurgeProtection }),
    ...(flags.publicNetworkAccess === undefined ? {} : { publicNetworkAccess: flags.publicNetworkAccess }),
    ...(flags.defaultAction === undefined && ipRules === undefined
      ? {}
      : {
          networkAcls: {
            ...(flags.defaultAction === undefined ? {} : { defaultAction: flags.defaultAction }),
            ...(ipRules === undefined ? {} : { ipRules }),
          },
        }),
  };
}

/** The tenant of the caller's token (`tid`), which a new HSM must belong to. */
function tenantOf(token: string | undefined, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  try {
    const tid = token === undefined ? undefined : decodeJwt(token)["tid"];
    if (typeof tid === "string") return tid;
  } catch {
    // Not a JWT: fall through to the error naming the flag.
  }
  throw badParameter("--tenant-id", "is required when the token carries no tid claim");
}

async function show(client: ArmClient, path: string): Promise<unknown> {
  return (await client.send("GET", path)).body;
}

function withSettingsOptions(command: Command): Command {
  return command
    .option("--tags <name=value...>", "resource tags")
    .option("--enable-purge-protection", "refuse purges until the retention has passed (cannot be turned off)")
    .option("--public-network-access <Enabled|Disabled>", "Disabled admits loopback callers only")
    .option("--default-action <Allow|Deny>", "network rule default")
    .option("--ip-rules <cidr...>", "IPv4 or IPv6 addresses or CIDR ranges admitted when the default is Deny");
}

export function registerHsmCommands(program: Command): void {
  const hsm = program.command("hsm").description("managed HSMs (management plane)");

  withSettingsOptions(withManagementOptions(hsm.command("create").description("create a managed HSM and wait until it is provisioned")))
    .requiredOption("--name <name>", "3-24 letters, digits or hyphens, starting with a letter")
    .requiredOption("--location <location>", "e.g. westeurope")
    .requiredOption(
      "--administrators <object-id|name...>",
      "initial administrators (Managed HSM Administrator at /): object ids, or userPrincipalNames, display names or appIds of the data dir's directory",
    )
    .option("--retention-days <days>", "soft-delete retention, 7 to 90", "90")
    .option("--sku <name>", "Standard_B1 or a Custom_ sku", "Standard_B1")
    .option("--tenant-id <guid>", "the tenant (default: the token's tid)")
    .action(
      (
        options: HsmFlags &
          HsmSettingsFlags & { location: string; administrators: string[]; retentionDays: string; sku: string; tenantId?: string },
      ) =>
        runManagement(program, options, async (client) => {
          const retention = Number(options.retentionDays);
          if (!Number.isInteger(retention)) throw badParameter("--retention-days", "must be an integer from 7 to 90");
          const administrators = await resolvePrincipalIds("--administrators", options.administrators, {
            dataDir: dataDirOf(program),
            token: options.token,
          });
          const path = hsmPath(options);
          await client.sendAndWait("PUT", path, {
            location: options.location,
            sku: { name: options.sku },
            ...(options.tags === undefined ? {} : { tags: parseTags("--tags", options.tags) }),
            properties: {
              tenantId: tenantOf(options.token, options.tenantId),
              initialAdminObjectIds: administrators,
              softDeleteRetentionInDays: retention,
              ...settingsProperties(options),
            },
          });
          return show(client, path);
        }),
    );

  withManagementOptions(hsm.command("show").description("show a managed HSM"))
    .requiredOption("--name <name>", "the HSM")
    .action((options: HsmFlags) => runManagement(program, options, (client) => show(client, hsmPath(options))));

  withManagementOptions(
    hsm.command("list").description("list managed HSMs of the resource group, or of the subscription without --resource-group"),
  ).action((options: ManagementFlags) =>
    runManagement(program, options, async (client) => {
      const subscription = requireFlag("--subscription", options.subscription);
      const scope =
        options.resourceGroup === undefined ? subscriptionScope(subscription) : resourceGroupScope(subscription, options.resourceGroup);
      const path = `${scope}/providers/${MANAGED_HSM_TYPE}`;
      return ((await client.send("GET", path)).body as { value?: unknown[] }).value ?? [];
    }),
  );

  withSettingsOptions(withManagementOptions(hsm.command("update").description("change tags, purge protection or network rules")))
    .requiredOption("--name <name>", "the HSM")
    .action((options: HsmFlags & HsmSettingsFlags) =>
      runManagement(program, options, async (client) => {
        const properties = settingsProperties(options);
        const body = {
          ...(options.tags === undefined ? {} : { tags: parseTags("--tags", options.tags) }),
          ...(Object.keys(properties).length === 0 ? {} : { properties }),
        };
        if (Object.keys(body).length === 0) throw badParameter("--tags", "give at least one setting to change");
        return (await client.send("PATCH", hsmPath(options), body)).body;
      }),
    );

  withManagementOptions(hsm.command("delete").description("soft-delete a managed HSM (recoverable for its retention)"))
    .requiredOption("--name <name>", "the HSM")
    .action((options: HsmFlags) =>
      runManagement(program, options, async (client) => {
        await client.sendAndWait("DELETE", hsmPath(options));
        return { deleted: options.name };
      }),
    );

  withManagementOptions(hsm.command("list-deleted").description("list soft-deleted managed HSMs of the subscription")).action(
    (options: ManagementFlags) =>
      runManagement(program, options, async (client) => {
        const path = `${subscriptionScope(requireFlag("--subscription", options.subscription))}/providers/Microsoft.KeyVault/deletedManagedHSMs`;
        return ((await client.send("GET", path)).body as { value?: unknown[] }).value ?? [];
      }),
  );

  withManagementOptions(hsm.command("recover").description("recover a soft-deleted managed HSM"))
    .requiredOption("--name <name>", "the HSM")
    .requiredOption("--location <location>", "its location")
    .action((options: HsmFlags & { location: string }) =>
      runManagement(program, options, async (client) => {
        const path = hsmPath(options);
        await client.sendAndWait("PUT", path, { location: options.location, properties: { createMode: "recover" } });
        return show(client, path);
      }),
    );

  withManagementOptions(hsm.command("purge").description("remove a soft-deleted managed HSM forever"))
    .requiredOption("--name <name>", "the HSM")
    .requiredOption("--location <location>", "its location")
    .action((options: HsmFlags & { location: string }) =>
      runManagement(program, options, async (client) => {
        const subscription = requireFlag("--subscription", options.subscription);
        await client.sendAndWait("POST", `${deletedManagedHsmId(subscription, options.location, options.name)}/purge`);
        return { purged: options.name };
      }),
    );
}
