/**
 * `keyhold role ...`: local RBAC of an HSM over AccessControlService (SPEC section 6),
 * shaped like `az keyvault role definition|assignment ...`.
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { BUILT_IN_ROLES } from "../authz/built-in-roles.js";
import { isGuid, roleDefinitionGuidOf } from "../authz/ids.js";
import { badParameter } from "../errors.js";
import {
  AccessControlService,
  CheckAccessRequestSchema,
  CheckAccessResponseSchema,
  CreateRoleAssignmentRequestSchema,
  CreateRoleAssignmentResponseSchema,
  DeleteRoleAssignmentRequestSchema,
  DeleteRoleAssignmentResponseSchema,
  DeleteRoleDefinitionRequestSchema,
  DeleteRoleDefinitionResponseSchema,
  GetRoleDefinitionRequestSchema,
  GetRoleDefinitionResponseSchema,
  ListRoleAssignmentsRequestSchema,
  ListRoleAssignmentsResponseSchema,
  ListRoleDefinitionsRequestSchema,
  ListRoleDefinitionsResponseSchema,
  RoleDefinitionSchema,
  SetRoleDefinitionRequestSchema,
  SetRoleDefinitionResponseSchema,
  type CheckAccessRequest,
  type CheckAccessResponse,
  type CreateRoleAssignmentRequest,
  type RoleAssignment,
  type RoleDefinition,
  type SetRoleDefinitionRequest,
} from "../gen/keyhold/v1/access_control_service_pb.js";
import {
  allPages,
  dataDirOf,
  formatTable,
  printResult,
  readJsonFile,
  requireFlag,
  runClient,
  withClientOptions,
  type ClientFlags,
  type ClientSession,
} from "./client-options.js";
import { principalLabels, resolvePrincipalIds } from "./principal-names.js";

/** `--assignee` / `--principal` as an object id: a name is looked up in the data dir's directory (principal-names.ts). */
async function principalId(program: Command, session: ClientSession, flag: string, value: string | undefined): Promise<string | undefined> {
  if (value === undefined || value.trim() === "") return value;
  const [id] = await resolvePrincipalIds(flag, [value], { dataDir: dataDirOf(program), token: session.options.token });
  return id;
}

/** Role definitions live at `/` (SPEC section 6). */
const DEFINITION_SCOPE = "/";

/**
 * `--role` as a definition id, its GUID, or a built-in role name ("Managed HSM Crypto User",
 * case-insensitive); the server resolves ids and GUIDs, so names are turned into GUIDs here.
 */
export function resolveRoleDefinitionId(role: string): string {
  if (roleDefinitionGuidOf(role) !== undefined) return role;
  const wanted = role.trim().toLowerCase();
  const builtIn = BUILT_IN_ROLES.find((definition) => definition.roleName.toLowerCase() === wanted);
  if (builtIn === undefined) {
    throw badParameter(
      "--role",
      `must be a role definition GUID or id, or one of the built-in roles: ${BUILT_IN_ROLES.map((r) => r.roleName).join(", ")}`,
    );
  }
  return builtIn.name;
}

export function buildCreateRoleAssignmentRequest(flags: {
  role?: string;
  assignee?: string;
  scope?: string;
  name?: string;
}): CreateRoleAssignmentRequest {
  const name = flags.name ?? "";
  if (name !== "" && !isGuid(name)) throw badParameter("--name", "must be a GUID (or left out to make one)");
  return create(CreateRoleAssignmentRequestSchema, {
    scope: requireFlag("--scope", flags.scope, { trim: false }),
    name,
    roleDefinitionId: resolveRoleDefinitionId(requireFlag("--role", flags.role, { trim: false })),
    principalId: requireFlag("--assignee", flags.assignee, { trim: false }),
  });
}

/**
 * A role definition file: the protobuf JSON of RoleDefinition, which has the same
 * member names as Key Vault's (`roleName`, `permissions[].dataActions`, ...), or
 * the ARM shape with those members under `properties`.
 */
export function buildSetRoleDefinitionRequest(json: unknown): SetRoleDefinitionRequest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw badParameter("--file", "must hold a JSON object");
  const document = json as Record<string, unknown>;
  const properties = document["properties"];
  const body: Record<string, unknown> =
    typeof properties === "object" && properties !== null && !Array.isArray(properties)
      ? { ...(properties as Record<string, unknown>), ...(typeof document["name"] === "string" ? { name: document["name"] } : {}) }
      : { ...document };
  // The ARM `type` is the resource type, not the role type, so it is dropped with `id`.
  delete body["id"];
  if (body["type"] === "Microsoft.Authorization/roleDefinitions") delete body["type"];
  let roleDefinition: RoleDefinition;
  try {
    roleDefinition = fromJson(RoleDefinitionSchema, body as JsonValue);
  } catch (error) {
    throw badParameter("--file", `is not a role definition: ${(error as Error).message}`);
  }
  if (roleDefinition.roleName === "") throw badParameter("--file roleName", "is required");
  if (roleDefinition.name !== "" && !isGuid(roleDefinition.name))
    throw badParameter("--file name", "must be a GUID (or left out to make one)");
  return create(SetRoleDefinitionRequestSchema, { scope: DEFINITION_SCOPE, name: roleDefinition.name, roleDefinition });
}

export function buildCheckAccessRequest(flags: { principal?: string; action?: string; scope?: string }): CheckAccessRequest {
  return create(CheckAccessRequestSchema, {
    principalId: requireFlag("--principal", flags.principal, { trim: false }),
    action: requireFlag("--action", flags.action, { trim: false }),
    scope: requireFlag("--scope", flags.scope, { trim: false }),
  });
}

export function formatRoleDefinitions(definitions: readonly RoleDefinition[]): string {
  if (definitions.length === 0) return "(no role definitions)";
  return formatTable(
    ["NAME", "TYPE", "ROLE NAME"],
    definitions.map((d) => [d.name, d.type, d.roleName]),
  );
}

export function formatRoleDefinition(definition: RoleDefinition | undefined): string {
  if (definition === undefined) return "(no role definition in the response)";
  const lines = [
    `name:        ${definition.name}`,
    `role name:   ${definition.roleName}`,
    `type:        ${definition.type}`,
    `description: ${definition.description || "-"}`,
  ];
  for (const permission of definition.permissions) {
    lines.push(`dataActions:    ${permission.dataActions.join(", ") || "-"}`);
    if (permission.notDataActions.length > 0) lines.push(`notDataActions: ${permission.notDataActions.join(", ")}`);
  }
  return lines.join("\n");
}

/** The role name of a definition id (built-in, or a custom role the caller could read), so listings read as `Managed HSM Crypto User`. */
function roleLabel(roleDefinitionId: string, customRoles: ReadonlyMap<string, string> = new Map()): string {
  const guid = roleDefinitionGuidOf(roleDefinitionId);
  return (
    BUILT_IN_ROLES.find((role) => role.name === guid)?.roleName ??
    (guid === undefined ? undefined : customRoles.get(guid)) ??
    roleDefinitionId
  );
}

/**
 * A header row, then one row per assignment: its name, scope, the principal's name (`-` when the data dir's directory
 * does not know it), object id and role name. `principals` maps object ids to names; `customRoles` GUIDs to role names.
 */
export function formatRoleAssignments(
  assignments: readonly RoleAssignment[],
  principals: ReadonlyMap<string, string> = new Map(),
  customRoles: ReadonlyMap<string, string> = new Map(),
): string {
  if (assignments.length === 0) return "(no role assignments)";
  return formatTable(
    ["NAME", "SCOPE", "PRINCIPAL", "PRINCIPAL ID", "ROLE"],
    assignments.map((a) => [
      a.name,
      a.scope,
      principals.get(a.principalId) ?? "-",
      a.principalId,
      roleLabel(a.roleDefinitionId, customRoles),
    ]),
  );
}

/** Names for an assignment listing: principals from the data dir's directory, custom roles from the HSM when the caller may read them. */
async function assignmentLabels(
  program: Command,
  session: ClientSession,
  assignments: readonly RoleAssignment[],
): Promise<[Map<string, string>, Map<string, string>]> {
  const principals = await principalLabels(
    assignments.map((a) => a.principalId),
    dataDirOf(program),
  ).catch(() => new Map<string, string>());
  const customRoles = new Map<string, string>();
  const builtIn = new Set(BUILT_IN_ROLES.map((role) => role.name));
  if (assignments.some((a) => !builtIn.has(roleDefinitionGuidOf(a.roleDefinitionId) ?? ""))) {
    try {
      const definitions = await allPages(async (pageToken) => {
        const page = await session.unary(
          AccessControlService.method.listRoleDefinitions,
          create(ListRoleDefinitionsRequestSchema, { scope: DEFINITION_SCOPE, pageToken }),
        );
        return { items: page.roleDefinitions, nextPageToken: page.nextPageToken };
      });
      for (const definition of definitions) customRoles.set(definition.name, definition.roleName);
    } catch {
      // A caller who may list assignments but not definitions sees the definition id.
    }
  }
  return [principals, customRoles];
}

export function formatCheckAccess(request: CheckAccessRequest, response: CheckAccessResponse): string {
  const lines = [`${response.allowed ? "allowed" : "denied"}: ${request.principalId} ${request.action} at ${request.scope}`];
  if (!response.principalExists) lines.push("the principal does not exist in the directory");
  else if (!response.principalEnabled) lines.push("the principal is disabled");
  if (response.decidingAssignments.length === 0) lines.push(response.allowed ? "" : "no role assignment grants this action at this scope");
  for (const deciding of response.decidingAssignments) {
    const assignment = deciding.roleAssignment;
    lines.push(
      `deciding assignment ${assignment?.name ?? "-"}: ${deciding.roleName || roleLabel(deciding.roleDefinitionId)} at ${assignment?.scope ?? "-"} for ${assignment?.principalId ?? "-"}`,
    );
  }
  return lines.filter((line) => line !== "").join("\n");
}

function roleCommand(parent: Command, name: string, description: string): Command {
  return withClientOptions(parent.command(name).description(description));
}

function registerDefinitionCommands(program: Command, role: Command): void {
  const definition = role.command("definition").description("role definitions (built-in and custom)");
  roleCommand(definition, "list", "list role definitions").action((flags: ClientFlags) =>
    runClient(program, flags, async (session) => {
      const roleDefinitions = await allPages(async (pageToken) => {
        const page = await session.unary(
          AccessControlService.method.listRoleDefinitions,
          create(ListRoleDefinitionsRequestSchema, { scope: DEFINITION_SCOPE, pageToken }),
        );
        return { items: page.roleDefinitions, nextPageToken: page.nextPageToken };
      });
      printResult(session.options, ListRoleDefinitionsResponseSchema, create(ListRoleDefinitionsResponseSchema, { roleDefinitions }), () =>
        formatRoleDefinitions(roleDefinitions),
      );
    }),
  );

  roleCommand(definition, "show", "show a role definition")
    .requiredOption("--name <guid|role-name>", "definition GUID or built-in role name")
    .action((flags: ClientFlags & { name: string }) =>
      runClient(program, flags, async (session) => {
        const name = roleDefinitionGuidOf(resolveRoleDefinitionId(flags.name)) ?? flags.name;
        const response = await session.unary(
          AccessControlService.method.getRoleDefinition,
          create(GetRoleDefinitionRequestSchema, { scope: DEFINITION_SCOPE, name }),
        );
        printResult(session.options, GetRoleDefinitionResponseSchema, response, () => formatRoleDefinition(response.roleDefinition));
      }),
    );

  roleCommand(definition, "create", "create or update a custom role from a JSON file")
    .requiredOption("--file <file>", "role definition JSON (roleName, description, permissions[].dataActions, ...)")
    .action((flags: ClientFlags & { file: string }) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(
          AccessControlService.method.setRoleDefinition,
          buildSetRoleDefinitionRequest(readJsonFile("--file", flags.file)),
        );
        printResult(session.options, SetRoleDefinitionResponseSchema, response, () => formatRoleDefinition(response.roleDefinition));
      }),
    );

  roleCommand(definition, "delete", "delete a custom role definition")
    .requiredOption("--name <guid>", "definition GUID")
    .action((flags: ClientFlags & { name: string }) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(
          AccessControlService.method.deleteRoleDefinition,
          create(DeleteRoleDefinitionRequestSchema, { scope: DEFINITION_SCOPE, name: flags.name }),
        );
        printResult(session.options, DeleteRoleDefinitionResponseSchema, response, () => `deleted role definition ${flags.name}`);
      }),
    );
}

function registerAssignmentCommands(program: Command, role: Command): void {
  const assignment = role.command("assignment").description("role assignments");
  roleCommand(assignment, "list", "list role assignments")
    .option("--scope <scope>", '"/", "/keys" or "/keys/<name>"', "/")
    .option("--assignee <object-id|name>", "only the assignments of this principal")
    .action((flags: ClientFlags & { scope: string; assignee?: string }) =>
      runClient(program, flags, async (session) => {
        const assignee = (await principalId(program, session, "--assignee", flags.assignee)) ?? "";
        const roleAssignments = await allPages(async (pageToken) => {
          const request = create(ListRoleAssignmentsRequestSchema, { scope: flags.scope, principalId: assignee, pageToken });
          const page = await session.unary(AccessControlService.method.listRoleAssignments, request);
          return { items: page.roleAssignments, nextPageToken: page.nextPageToken };
        });
        const [principals, customRoles] =
          session.options.output === "text" ? await assignmentLabels(program, session, roleAssignments) : [new Map(), new Map()];
        printResult(
          session.options,
          ListRoleAssignmentsResponseSchema,
          create(ListRoleAssignmentsResponseSchema, { roleAssignments }),
          () => formatRoleAssignments(roleAssignments, principals, customRoles),
        );
      }),
    );

  roleCommand(assignment, "create", "assign a role to a principal at a scope")
    .requiredOption("--role <name|guid>", 'built-in role name (e.g. "Managed HSM Crypto User") or definition GUID/id')
    .requiredOption(
      "--assignee <object-id|name>",
      "principal: object id, or a userPrincipalName, display name or appId of the data dir's directory",
    )
    .requiredOption("--scope <scope>", '"/", "/keys" or "/keys/<name>"')
    .option("--name <guid>", "assignment GUID (default: a new one)")
    .action((flags: ClientFlags & { role: string; assignee: string; scope: string; name?: string }) =>
      runClient(program, flags, async (session) => {
        const assignee = await principalId(program, session, "--assignee", flags.assignee);
        const response = await session.unary(
          AccessControlService.method.createRoleAssignment,
          buildCreateRoleAssignmentRequest({ ...flags, assignee }),
        );
        const created = response.roleAssignment === undefined ? [] : [response.roleAssignment];
        const [principals, customRoles] =
          session.options.output === "text" ? await assignmentLabels(program, session, created) : [new Map(), new Map()];
        printResult(session.options, CreateRoleAssignmentResponseSchema, response, () =>
          response.roleAssignment === undefined ? "created" : formatRoleAssignments(created, principals, customRoles),
        );
      }),
    );

  roleCommand(assignment, "delete", "remove a role assignment")
    .requiredOption("--name <guid>", "assignment GUID")
    .requiredOption("--scope <scope>", "the assignment's scope")
    .action((flags: ClientFlags & { name: string; scope: string }) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(
          AccessControlService.method.deleteRoleAssignment,
          create(DeleteRoleAssignmentRequestSchema, { scope: flags.scope, name: flags.name }),
        );
        printResult(session.options, DeleteRoleAssignmentResponseSchema, response, () => `deleted role assignment ${flags.name}`);
      }),
    );
}

export function registerRoleCommands(program: Command): void {
  const role = program.command("role").description("local RBAC of an HSM: role definitions, assignments, access checks");
  registerDefinitionCommands(program, role);
  registerAssignmentCommands(program, role);
  roleCommand(role, "check", "may a principal perform an action at a scope, and which assignments decide it")
    .requiredOption(
      "--principal <object-id|name>",
      "principal: object id, or a userPrincipalName, display name or appId of the data dir's directory",
    )
    .requiredOption("--action <data-action>", "e.g. Microsoft.KeyVault/managedHsm/keys/sign/action")
    .requiredOption("--scope <scope>", '"/", "/keys" or "/keys/<name>"')
    .action((flags: ClientFlags & { principal: string; action: string; scope: string }) =>
      runClient(program, flags, async (session) => {
        const request = buildCheckAccessRequest({
          ...flags,
          principal: await principalId(program, session, "--principal", flags.principal),
        });
        const response = await session.unary(AccessControlService.method.checkAccess, request);
        printResult(session.options, CheckAccessResponseSchema, response, () => formatCheckAccess(request, response));
      }),
    );
}
