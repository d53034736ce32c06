/**
 * Policy of local role management (SPEC section 6, rbac.json 7.6): what a custom role may contain, when a
 * definition may be deleted, which action and scope managing an assignment needs, and the CheckAccess answer.
 * Pure: the store passes what it holds, these functions say yes, no (with a KeyholdError) or what to check.
 */
import { KeyholdError, badParameter } from "../errors.js";
import { requireGuid } from "../guid.js";
import { isRecord } from "../is-record.js";
import { BUILT_IN_ROLES, isBuiltInRoleGuid } from "./built-in-roles.js";
import { DATA_ACTION_PREFIX } from "./data-actions.js";
import { decide, type AccessQuery, type DecideOptions } from "./evaluator.js";
import { ROLE_DEFINITION_ID_PREFIX, authorizationResourceId, roleDefinitionGuidOf } from "./ids.js";
import { actionMatches } from "./match.js";
import type { AuthorizationState, Permission, RoleAssignment, RoleDefinition } from "./model.js";
import { HSM_ROOT_SCOPE, hsmScopeRule } from "./hsm-scope-rule.js";
import type { ScopeRule } from "./scope-rule.js";

const MAX_ROLE_NAME = 256;
const MAX_DESCRIPTION = 2048;
const PERMISSION_FIELDS = ["actions", "notActions", "dataActions", "notDataActions"] as const;

export interface ValidateRoleDefinitionOptions {
  readonly rule?: ScopeRule;
  /** Definitions already stored, to refuse a second role with the same roleName (ARM and Managed HSM do). */
  readonly existing?: readonly RoleDefinition[];
}

function readString(input: Record<string, unknown>, field: string, maxLength: number, optional: boolean): string {
  const value = input[field];
  if (value === undefined && optional) return "";
  if (typeof value !== "string" || (!optional && value.trim().length === 0) || value.length > maxLength) {
    throw badParameter(field, `must be a ${optional ? "" : "non-empty "}string of at most ${maxLength} characters`);
  }
  return value;
}

function readActionList(value: unknown, field: string, knownActions: readonly string[]): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw badParameter(field, "must be a list of data actions");
  return Object.freeze(
    value.map((entry: unknown, i) => {
      const entryField = `${field}[${i}]`;
      if (typeof entry !== "string" || entry.length === 0) throw badParameter(entryField, "must be a data action");
      if (!knownActions.some((known) => actionMatches(entry, known))) {
        throw badParameter(
          entryField,
          entry.includes("*")
            ? "pattern matches no known data action"
            : `is not a known data action (they look like ${DATA_ACTION_PREFIX}/keys/sign/action)`,
        );
      }
      return entry;
    }),
  );
}

function readPermission(value: unknown, field: string, knownActions: readonly string[]): Permission {
  if (!isRecord(value)) throw badParameter(field, "must be an object with dataActions and notDataActions");
  for (const name of ["actions", "notActions"] as const) {
    const entries = value[name];
    if (entries !== undefined && (!Array.isArray(entries) || entries.length > 0)) {
      // Isolation rule (SPEC section 1): a local role carries data actions only.
      throw badParameter(`${field}.${name}`, "must be empty: local roles grant data actions only");
    }
  }
  for (const key of Object.keys(value)) {
    if (!(PERMISSION_FIELDS as readonly string[]).includes(key)) throw badParameter(`${field}.${key}`, "is not a permission field");
  }
  return Object.freeze({
    actions: Object.freeze([]),
    notActions: Object.freeze([]),
    dataActions: readActionList(value["dataActions"], `${field}.dataActions`, knownActions),
    notDataActions: readActionList(value["notDataActions"], `${field}.notDataActions`, knownActions),
  });
}

/**
 * Validates a custom role definition for a PUT and returns it as stored. Built-in GUIDs are refused with
 * `OperationNotAllowed`; a roleName already used by another definition with `Conflict`; bad fields with
 * `BadParameter` naming the field (`permissions[0].dataActions[2]`, `assignableScopes[0]`, ...).
 */
export function validateRoleDefinition(
  input: unknown,
  knownActions: readonly string[],
  options: ValidateRoleDefinitionOptions = {},
): RoleDefinition {
  const rule = options.rule ?? hsmScopeRule;
  if (!isRecord(input)) throw badParameter("roleDefinition", "must be an object");
  const guid = requireGuid(input["name"], "name");
  if (isBuiltInRoleGuid(guid)) {
    throw new KeyholdError("OperationNotAllowed", "Built-in role definitions cannot be changed.", { field: "name" });
  }
  if (input["type"] !== undefined && input["type"] !== "CustomRole") {
    throw badParameter("type", "must be CustomRole: only custom roles can be written");
  }
  const roleName = readString(input, "roleName", MAX_ROLE_NAME, false);
  const description = readString(input, "description", MAX_DESCRIPTION, true);

  const permissions = input["permissions"];
  if (!Array.isArray(permissions) || permissions.length === 0) {
    throw badParameter("permissions", "must be a non-empty list of permission blocks");
  }
  const assignableScopes = input["assignableScopes"] ?? [HSM_ROOT_SCOPE];
  if (!Array.isArray(assignableScopes) || assignableScopes.length === 0) {
    throw badParameter("assignableScopes", "must be a non-empty list of scopes");
  }

  const taken = [...BUILT_IN_ROLES, ...(options.existing ?? [])].find(
    (other) => other.name.toLowerCase() !== guid && other.roleName.toLowerCase() === roleName.toLowerCase(),
  );
  if (taken !== undefined) {
    throw new KeyholdError("Conflict", "roleName: another role definition already has this name.", { field: "roleName" });
  }

  return Object.freeze({
    id: ROLE_DEFINITION_ID_PREFIX + guid,
    name: guid,
    roleName,
    description,
    type: "CustomRole",
    permissions: Object.freeze(permissions.map((p: unknown, i) => readPermission(p, `permissions[${i}]`, knownActions))),
    assignableScopes: Object.freeze(assignableScopes.map((s: unknown, i) => rule.normalize(s, `assignableScopes[${i}]`))),
  });
}

/** The scope in a role-definition URL: Managed HSM keeps definitions at `/` only. */
export function validateRoleDefinitionScope(scope: unknown): string {
  if (scope !== HSM_ROOT_SCOPE) throw badParameter("scope", "role definitions live at /");
  return scope;
}

function referencesDefinition(assignment: RoleAssignment, guid: string): boolean {
  return roleDefinitionGuidOf(assignment.roleDefinitionId) === guid;
}

/**
 * Throws unless `definition` may be deleted: built-ins never (`OperationNotAllowed`), custom roles only once no
 * assignment references them (`Conflict`, so no assignment is left defunct by our own API).
 */
export function canDeleteRoleDefinition(definition: RoleDefinition, assignments: readonly RoleAssignment[]): void {
  const guid = definition.name.toLowerCase();
  if (definition.type === "AKVBuiltInRole" || isBuiltInRoleGuid(guid)) {
    throw new KeyholdError("OperationNotAllowed", "Built-in role definitions cannot be deleted.");
  }
  const inUse = assignments.filter((assignment) => referencesDefinition(assignment, guid)).length;
  if (inUse > 0) {
    throw new KeyholdError("Conflict", `The role definition is referenced by ${inUse} role assignment(s); delete them first.`);
  }
}

export interface AssignmentAuthorization {
  readonly dataAction: string;
  /** Where the caller needs `dataAction`: the assignment's own scope. */
  readonly scope: string;
}

/**
 * What managing an assignment at `scope` requires. Checking it at the assignment's own scope is what lets a
 * Policy Administrator of `/keys/a` manage assignments on `/keys/a` and nowhere else (SPEC section 6).
 */
export function assignmentAuthorization(op: "write" | "delete", scope: unknown, rule: ScopeRule = hsmScopeRule): AssignmentAuthorization {
  if (op !== "write" && op !== "delete") throw badParameter("op", "must be write or delete");
  return {
    dataAction: `${DATA_ACTION_PREFIX}/roleAssignments/${op}/action`,
    scope: rule.normalize(scope, "scope"),
  };
}

/**
 * Validates a role-assignment PUT (`name` from the URL, `scope`, `principalId`, `roleDefinitionId`) against the
 * definitions that exist and returns the assignment as stored. The scope must lie within one of the role's
 * assignableScopes.
 */
export function validateRoleAssignment(
  input: unknown,
  definitions: readonly RoleDefinition[],
  rule: ScopeRule = hsmScopeRule,
): RoleAssignment {
  if (!isRecord(input)) throw badParameter("roleAssignment", "must be an object");
  const name = requireGuid(input["name"], "name");
  const scope = rule.normalize(input["scope"], "scope");
  const principalId = requireGuid(input["principalId"], "principalId", "must be an object id (GUID)");
  const roleDefinitionId = input["roleDefinitionId"];
  const guid = typeof roleDefinitionId === "string" ? roleDefinitionGuidOf(roleDefinitionId) : undefined;
  if (typeof roleDefinitionId !== "string" || guid === undefined) {
    throw badParameter("roleDefinitionId", "must end with a role definition GUID");
  }
  const definition = definitions.find((d) => d.name.toLowerCase() === guid);
  if (definition === undefined) throw badParameter("roleDefinitionId", "names no existing role definition");
  if (!definition.assignableScopes.some((assignable) => rule.contains(assignable, scope))) {
    throw badParameter("scope", "is outside the role definition's assignableScopes");
  }
  return Object.freeze({
    id: authorizationResourceId(scope, "roleAssignments", name),
    name,
    scope,
    roleDefinitionId: definition.id,
    principalId,
  });
}

interface ExplainedAssignment {
  readonly assignment: RoleAssignment;
  readonly roleDefinitionId: string;
  readonly roleName: string;
}

export interface CheckAccessResult {
  readonly allowed: boolean;
  readonly decidingAssignments: readonly ExplainedAssignment[];
}

/** CheckAccess: the decision plus, for each granting assignment, the role it grants through. */
export function explainCheckAccess(query: AccessQuery, state: AuthorizationState, options: DecideOptions): CheckAccessResult {
  const decision = decide(query, state, options);
  const byGuid = new Map(state.definitions.map((d) => [d.name.toLowerCase(), d] as const));
  const decidingAssignments = decision.decidingAssignments.flatMap((assignment) => {
    const guid = roleDefinitionGuidOf(assignment.roleDefinitionId);
    const definition = guid === undefined ? undefined : byGuid.get(guid);
    return definition === undefined ? [] : [Object.freeze({ assignment, roleDefinitionId: definition.id, roleName: definition.roleName })];
  });
  return Object.freeze({ allowed: decision.allowed, decidingAssignments: Object.freeze(decidingAssignments) });
}
