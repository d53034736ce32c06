/**
 * `keyhold mgmt role assignment create|list|delete`: management-plane role assignments over the HTTPS management
 * routes (SPEC section 7), shaped like `az role assignment ...`; and the options every management command shares
 * (`keyhold hsm ...` uses them too).
 */
import { randomUUID } from "node:crypto";
import { Command, Option } from "commander";
import { roleDefinitionGuidOf } from "../authz/ids.js";
import { badParameter, KeyholdError } from "../errors.js";
import { ArmClient, ArmRequestError, DEFAULT_MANAGEMENT_ENDPOINT } from "../management/client/arm-client.js";
import { authorizationResourceId, ROOT_SCOPE } from "../arm/arm-ids.js";
import { MANAGEMENT_BUILT_IN_ROLES, managementRoleByGuid, managementRoleByName } from "../management/rbac/index.js";
import { resolvePrincipalIds } from "./principal-names.js";
import { caFileOrDefault, dataDirOf, endpointOrDefault, fromRunningServer, readCaFile, requireFlag } from "./client-options.js";
import { serverEndpoint } from "../config/server-target.js";

export interface ManagementFlags {
  readonly endpoint?: string;
  readonly token?: string;
  readonly ca?: string;
  readonly subscription?: string;
  readonly resourceGroup?: string;
}

/** Adds the connection options of the management plane, each with its environment variable. */
export function withManagementOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--endpoint <host:port>", `HTTPS endpoint of the server (${fromRunningServer(DEFAULT_MANAGEMENT_ENDPOINT)})`).env(
        "KEYHOLD_MANAGEMENT_ENDPOINT",
      ),
    )
    .addOption(new Option("--token <jwt>", "bearer token for the management plane (keyhold token --plane management)").env("KEYHOLD_TOKEN"))
    .addOption(new Option("--ca <file>", "CA certificate to trust (default: <data-dir>/tls/ca.pem)").env("KEYHOLD_CA"))
    .addOption(new Option("--subscription <id>", "subscription id").env("KEYHOLD_SUBSCRIPTION"))
    .addOption(new Option("--resource-group <name>", "resource group").env("KEYHOLD_RESOURCE_GROUP"));
}

/** Runs a management command: one client, JSON on stdout, and any failure as one line on stderr with exit code 1. */
export async function runManagement(
  program: Command,
  flags: ManagementFlags,
  work: (client: ArmClient) => Promise<unknown>,
): Promise<void> {
  try {
    const dataDir = dataDirOf(program);
    const client = new ArmClient({
      endpoint: serverEndpoint(endpointOrDefault(flags.endpoint, dataDir, (live) => live.https, DEFAULT_MANAGEMENT_ENDPOINT)),
      token: flags.token === "" ? undefined : flags.token,
      ca: readCaFile(caFileOrDefault(flags.ca, dataDir)),
    });
    const result = await work(client);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    const message =
      error instanceof ArmRequestError || error instanceof KeyholdError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  }
}

/** `--role` as a built-in role name ("Managed HSM contributor"), its GUID or its id. */
export function resolveManagementRole(role: string): string {
  const byName = managementRoleByName(role);
  const guid = byName?.name ?? roleDefinitionGuidOf(role);
  const definition = guid === undefined ? undefined : managementRoleByGuid(guid);
  if (definition === undefined) {
    throw badParameter(
      "--role",
      `must be one of the built-in roles (name or GUID): ${MANAGEMENT_BUILT_IN_ROLES.map((r) => r.roleName).join(", ")}`,
    );
  }
  return definition.id;
}

/** `--scope` without trailing slashes; `/` (or only slashes) is the root scope. */
function assignmentScope(scope: string): string {
  if (!scope.startsWith("/")) throw badParameter("--scope", "must be an ARM scope starting with /, e.g. /subscriptions/<id>");
  return scope.replace(/\/+$/, "") || ROOT_SCOPE;
}

/** The assignment with this GUID at the scope. */
function assignmentPath(scope: string, name: string): string {
  return authorizationResourceId(assignmentScope(scope), "roleAssignments", name);
}

/** Every assignment at the scope: the assignments' common parent. */
function assignmentsPath(scope: string): string {
  return assignmentPath(scope, "").slice(0, -1);
}

export function registerMgmtCommands(program: Command): void {
  const mgmt = program.command("mgmt").description("management plane (Azure RBAC over the scope tree)");
  const role = mgmt.command("role").description("management role assignments and definitions");
  const assignment = role.command("assignment").description("role assignments at any ARM scope");

  withManagementOptions(assignment.command("create").description("assign a built-in management role"))
    .requiredOption(
      "--role <name|guid>",
      "Owner, Contributor, Reader, User Access Administrator, Managed HSM contributor, Storage Blob Data Reader|Contributor",
    )
    .requiredOption(
      "--assignee <object-id|name>",
      "the principal: object id, or a userPrincipalName, display name or appId of the data dir's directory",
    )
    .requiredOption("--scope <scope>", "/, a management group, subscription, resource group or resource id")
    .option("--name <guid>", "the assignment's GUID (default: a new one)")
    .action((options: ManagementFlags & { role: string; assignee: string; scope: string; name?: string }) =>
      runManagement(program, options, async (client) => {
        const [assignee] = await resolvePrincipalIds("--assignee", [requireFlag("--assignee", options.assignee)], {
          dataDir: dataDirOf(program),
          token: options.token,
        });
        const name = options.name ?? randomUUID();
        const body = { properties: { roleDefinitionId: resolveManagementRole(options.role), principalId: assignee } };
        return (await client.send("PUT", assignmentPath(options.scope, name), body)).body;
      }),
    );

  withManagementOptions(assignment.command("list").description("assignments at, above and below a scope"))
    .requiredOption("--scope <scope>", "an ARM scope")
    .option("--assignee <object-id|name>", "only this principal's assignments")
    .action((options: ManagementFlags & { scope: string; assignee?: string }) =>
      runManagement(program, options, async (client) => {
        const [assignee] =
          options.assignee === undefined
            ? []
            : await resolvePrincipalIds("--assignee", [options.assignee], { dataDir: dataDirOf(program), token: options.token });
        const query = assignee === undefined ? "" : `?principalId=${encodeURIComponent(assignee)}`;
        return ((await client.send("GET", `${assignmentsPath(options.scope)}${query}`)).body as { value?: unknown[] }).value ?? [];
      }),
    );

  withManagementOptions(assignment.command("delete").description("remove an assignment"))
    .requiredOption("--name <guid>", "the assignment's GUID")
    .requiredOption("--scope <scope>", "the assignment's scope")
    .action((options: ManagementFlags & { name: string; scope: string }) =>
      runManagement(
        program,
        options,
        async (client) => (await client.send("DELETE", assignmentPath(options.scope, requireFlag("--name", options.name)))).body,
      ),
    );
}
