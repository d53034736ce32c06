/**
 * The one decision rule of both planes (SPEC section 6): allowed iff some assignment
 *   - held by one of the caller's principal ids (its oid and every group it belongs to, resolved by the caller),
 *   - whose scope contains the target (per the plane's ScopeRule),
 *   - whose role definition still exists,
 * has a permission block in which the action matches an allowed entry and no `not` entry of that same block.
 * `notDataActions` / `notActions` only exclude within their block; another block or role may still grant
 * (rbac.json `Permission`: "excluded but not denied"). Nothing else grants anything.
 */
import { badParameter } from "../errors.js";
import { roleDefinitionGuidOf } from "./ids.js";
import { matchesAny } from "./match.js";
import type { AuthorizationState, Permission, RoleAssignment, RoleDefinition } from "./model.js";
import type { ScopeRule } from "./scope-rule.js";

/** `data` reads dataActions/notDataActions; `management` reads actions/notActions. The two never mix. */
export type Plane = "data" | "management";

export interface AccessQuery {
  readonly principalIds: readonly string[];
  readonly action: string;
  readonly target: string;
}

export interface DecideOptions {
  readonly rule: ScopeRule;
  readonly plane: Plane;
}

export interface Decision {
  readonly allowed: boolean;
  /** The assignments that grant the action (empty when denied). */
  readonly decidingAssignments: readonly RoleAssignment[];
}

function permissionGrants(permission: Permission, action: string, plane: Plane): boolean {
  const [allowed, excluded] =
    plane === "data" ? [permission.dataActions, permission.notDataActions] : [permission.actions, permission.notActions];
  return matchesAny(allowed, action) && !matchesAny(excluded, action);
}

function roleGrants(definition: RoleDefinition, action: string, plane: Plane): boolean {
  return definition.permissions.some((permission) => permissionGrants(permission, action, plane));
}

/** Checks the query's shape and returns its target in the rule's canonical spelling. */
export function validateQuery(query: AccessQuery, rule: ScopeRule): AccessQuery {
  if (!Array.isArray(query.principalIds) || !query.principalIds.every((id) => typeof id === "string")) {
    throw badParameter("principalIds", "must be a list of object ids");
  }
  if (typeof query.action !== "string" || query.action.length === 0) {
    throw badParameter("action", "must be a non-empty action name");
  }
  return { principalIds: query.principalIds, action: query.action, target: rule.normalize(query.target, "target") };
}

export function decide(query: AccessQuery, state: AuthorizationState, options: DecideOptions): Decision {
  return decideValidated(validateQuery(query, options.rule), state, options);
}

/** `decide` for a query that already went through `validateQuery` (the cache validates once for key and decision). */
export function decideValidated(query: AccessQuery, state: AuthorizationState, options: DecideOptions): Decision {
  const { principalIds, action, target } = query;
  const callers = new Set(principalIds.map((id) => id.toLowerCase()));
  const definitionsByGuid = new Map<string, RoleDefinition>();
  for (const definition of state.definitions) definitionsByGuid.set(definition.name.toLowerCase(), definition);

  const deciding = state.assignments.filter((assignment) => {
    if (!callers.has(assignment.principalId.toLowerCase())) return false;
    const guid = roleDefinitionGuidOf(assignment.roleDefinitionId);
    const definition = guid === undefined ? undefined : definitionsByGuid.get(guid);
    if (definition === undefined) return false;
    return options.rule.contains(assignment.scope, target) && roleGrants(definition, action, options.plane);
  });
  return Object.freeze({ allowed: deciding.length > 0, decidingAssignments: Object.freeze(deciding) });
}
