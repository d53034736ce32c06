/**
 * Management role assignments at any ARM scope (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`)
 * and the built-in role definitions (SPEC section 7). Managing an assignment needs
 * Microsoft.Authorization/roleAssignments/write|delete|read at the assignment's scope.
 */
import { copyPermissions, PROVIDER_NAMESPACE, RESOURCE_TYPE, roleDefinitionGuidOf, type RoleDefinition } from "../../authz/index.js";
import { badParameter, echo, KeyholdError } from "../../errors.js";
import { requireGuid } from "../../guid.js";
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import type { ManagementRoleAssignmentRecord, Store } from "../../store/index.js";
import {
  authorizationResourceId,
  hsmNameParam,
  managementGroupIdParam,
  managementGroupScope,
  resourceGroupNameParam,
  resourceGroupScope,
  ROOT_SCOPE,
  sameId,
  subscriptionIdParam,
  subscriptionScope,
} from "../../arm/arm-ids.js";
import { created, ok, type ArmReply } from "../arm-reply.js";
import { optionalText, requestBody, strictObject, type JsonObject } from "../body.js";
import { MANAGEMENT_BUILT_IN_ROLES, managementRoleByGuid, type ManagementRbac } from "../rbac/index.js";

export interface RoleAssignmentDeps {
  readonly store: Store;
  readonly rbac: ManagementRbac;
  readonly now: () => number;
}

/** The scope the route's parameters name: the tenant root, a management group, a subscription, a resource group or a resource. */
function scopeFromRoute(input: JsonObject): string {
  if (input["managementGroupId"] !== undefined) return managementGroupScope(managementGroupIdParam(input["managementGroupId"]));
  if (input["subscriptionId"] === undefined) return ROOT_SCOPE;
  const subscriptionId = subscriptionIdParam(input["subscriptionId"]);
  if (input["resourceGroupName"] === undefined) return subscriptionScope(subscriptionId);
  const group = resourceGroupScope(subscriptionId, resourceGroupNameParam(input["resourceGroupName"]));
  if (input["providerNamespace"] === undefined) return group;
  const namespace = input["providerNamespace"];
  const type = input["resourceType"];
  if (typeof namespace !== "string" || !PROVIDER_NAMESPACE.test(namespace))
    throw badParameter("providerNamespace", "must be a resource provider namespace such as Microsoft.KeyVault");
  if (typeof type !== "string" || !RESOURCE_TYPE.test(type))
    throw badParameter("resourceType", "must be a resource type such as managedHSMs");
  return `${group}/providers/${namespace}/${type}/${resourceNameParam(input["resourceName"])}`;
}

function resourceNameParam(value: unknown): string {
  // Resource names vary by type; HSM names are the strictest rule keyhold's resources share.
  if (typeof value === "string" && /^[a-zA-Z0-9][a-zA-Z0-9-]{1,62}$/.test(value)) return value;
  return hsmNameParam(value, "resourceName");
}

function assignmentResource(a: ManagementRoleAssignmentRecord): Record<string, unknown> {
  return {
    id: authorizationResourceId(a.scope, "roleAssignments", a.name),
    name: a.name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      scope: a.scope,
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      createdOn: new Date(a.createdAt).toISOString(),
    },
  };
}

function definitionResource(definition: RoleDefinition, scope: string): Record<string, unknown> {
  return {
    id: authorizationResourceId(scope, "roleDefinitions", definition.name),
    name: definition.name,
    type: "Microsoft.Authorization/roleDefinitions",
    properties: {
      roleName: definition.roleName,
      description: definition.description,
      type: "BuiltInRole",
      permissions: copyPermissions(definition.permissions),
      assignableScopes: [...definition.assignableScopes],
    },
  };
}

export function roleAssignmentOperations({ store, rbac, now }: RoleAssignmentDeps): readonly AnyOperation[] {
  const scopeOf = (raw: unknown): { scope: string; input: JsonObject } => {
    const input = fields(raw);
    return { scope: rbac.rule.normalize(scopeFromRoute(input), "scope"), input };
  };
  const notFound = (name: string): KeyholdError =>
    new KeyholdError("NotFound", `Role assignment ${echo(name)} does not exist at this scope.`);
  const atScope = async (scope: string, name: string): Promise<ManagementRoleAssignmentRecord> => {
    const assignment = await store.management.getRoleAssignment(name);
    if (assignment === undefined || !sameId(assignment.scope, scope)) throw notFound(name);
    return assignment;
  };

  const create = managementOperation({
    name: "ManagementRoleAssignmentCreate",
    decode(raw: unknown) {
      const { scope, input } = scopeOf(raw);
      const body = requestBody(input, ["properties"]);
      const properties = strictObject(body["properties"], "properties", [
        "roleDefinitionId",
        "principalId",
        "principalType",
        "description",
      ]);
      const roleDefinitionId = optionalText(properties, "roleDefinitionId", "properties.roleDefinitionId", 512);
      const guid = roleDefinitionId === undefined ? undefined : roleDefinitionGuidOf(roleDefinitionId);
      const role = guid === undefined ? undefined : managementRoleByGuid(guid);
      if (role === undefined) {
        throw badParameter(
          "properties.roleDefinitionId",
          `must name a built-in role: ${MANAGEMENT_BUILT_IN_ROLES.map((r) => `${r.roleName} (${r.name})`).join(", ")}`,
        );
      }
      optionalText(properties, "principalType", "properties.principalType", 64);
      optionalText(properties, "description", "properties.description", 1024);
      return {
        scope,
        name: requireGuid(input["name"], "name"),
        role,
        principalId: requireGuid(properties["principalId"], "properties.principalId"),
      };
    },
    action: "Microsoft.Authorization/roleAssignments/write",
    scope: (i) => i.scope,
    describe: (i) => ({ roleAssignmentName: i.name, roleDefinitionId: i.role.id, targetPrincipalId: i.principalId }),
    async execute(input): Promise<ArmReply> {
      const record: ManagementRoleAssignmentRecord = {
        name: input.name,
        scope: input.scope,
        roleDefinitionId: input.role.id,
        principalId: input.principalId,
        createdAt: now(),
      };
      const existing = await store.management.getRoleAssignment(input.name);
      if (existing !== undefined) {
        const same =
          sameId(existing.scope, record.scope) &&
          existing.roleDefinitionId === record.roleDefinitionId &&
          existing.principalId === record.principalId;
        if (same) return ok(assignmentResource(existing));
        throw new KeyholdError(
          "Conflict",
          `Role assignment ${input.name} already exists with other properties; assignments cannot be updated.`,
        );
      }
      const duplicate = (await store.management.listRoleAssignments()).find(
        (a) => sameId(a.scope, record.scope) && a.roleDefinitionId === record.roleDefinitionId && a.principalId === record.principalId,
      );
      if (duplicate !== undefined) throw new KeyholdError("Conflict", `The role assignment already exists as ${duplicate.name}.`);
      await store.management.insertRoleAssignment(record);
      return created(assignmentResource(record));
    },
  });

  const get = managementOperation({
    name: "ManagementRoleAssignmentGet",
    decode(raw: unknown) {
      const { scope, input } = scopeOf(raw);
      return { scope, name: requireGuid(input["name"], "name") };
    },
    action: "Microsoft.Authorization/roleAssignments/read",
    scope: (i) => i.scope,
    describe: (i) => ({ roleAssignmentName: i.name }),
    execute: async (input): Promise<ArmReply> => ok(assignmentResource(await atScope(input.scope, input.name))),
  });

  const remove = managementOperation({
    name: "ManagementRoleAssignmentDelete",
    decode(raw: unknown) {
      const { scope, input } = scopeOf(raw);
      return { scope, name: requireGuid(input["name"], "name") };
    },
    action: "Microsoft.Authorization/roleAssignments/delete",
    scope: (i) => i.scope,
    describe: (i) => ({ roleAssignmentName: i.name }),
    async execute(input): Promise<ArmReply> {
      const assignment = await atScope(input.scope, input.name);
      if (!(await store.management.deleteRoleAssignment(assignment.name))) throw notFound(input.name);
      return ok(assignmentResource(assignment));
    },
  });

  // As ARM's "list for scope": assignments at the scope, above it (they apply to it) and below it.
  const list = managementOperation({
    name: "ManagementRoleAssignmentList",
    decode(raw: unknown) {
      const { scope, input } = scopeOf(raw);
      const principalId = input["principalId"];
      return { scope, principalId: principalId === undefined ? undefined : requireGuid(principalId, "principalId") };
    },
    action: "Microsoft.Authorization/roleAssignments/read",
    scope: (i) => i.scope,
    async execute(input): Promise<ArmReply> {
      const all = await store.management.listRoleAssignments();
      const related: ManagementRoleAssignmentRecord[] = [];
      for (const a of all) {
        if (input.principalId !== undefined && a.principalId !== input.principalId) continue;
        if ((await rbac.contains(a.scope, input.scope)) || (await rbac.contains(input.scope, a.scope))) related.push(a);
      }
      return ok({ value: related.map(assignmentResource) });
    },
  });

  const getDefinition = managementOperation({
    name: "ManagementRoleDefinitionGet",
    decode(raw: unknown) {
      const { scope, input } = scopeOf(raw);
      return { scope, name: requireGuid(input["name"], "name") };
    },
    action: "Microsoft.Authorization/roleDefinitions/read",
    scope: (i) => i.scope,
    async execute(input): Promise<ArmReply> {
      const definition = managementRoleByGuid(input.name);
      if (definition === undefined) throw new KeyholdError("NotFound", `Role definition ${echo(input.name)} does not exist.`);
      return ok(definitionResource(definition, input.scope));
    },
  });

  const listDefinitions = managementOperation({
    name: "ManagementRoleDefinitionList",
    decode: (raw: unknown) => ({ scope: scopeOf(raw).scope }),
    action: "Microsoft.Authorization/roleDefinitions/read",
    scope: (i) => i.scope,
    execute: async (input): Promise<ArmReply> => ok({ value: MANAGEMENT_BUILT_IN_ROLES.map((d) => definitionResource(d, input.scope)) }),
  });

  return [create, get, remove, list, getDefinition, listDefinitions];
}
