/**
 * Local RBAC on the Key Vault door (Key Vault's rbac.json): role definitions and assignments under
 * `{scope}/providers/Microsoft.Authorization/...`, with scope `/`, `/keys` or `/keys/{name}`, mapped onto the
 * AccessControlService operations. The SDKs put the scope in the path unencoded, so `/` arrives as `//providers/...`
 * (or `///providers/...`); the single-slash form is ARM's path too and is served here only on an HSM's host name.
 */
import { copyPermissions, type RoleAssignment, type RoleDefinition } from "../authz/index.js";
import { badParameter } from "../errors.js";
import { requireGuid } from "../guid.js";
import { fields, type Page } from "../pipeline/decode.js";
import type { OperationRoute } from "../pipeline/http-route.js";
import { adminRoute, ok, type AdminResultOf, type Raw } from "./admin-route.js";
import { bodyOf, pageOf } from "./request-body.js";

const AUTHORIZATION = "/providers/Microsoft.Authorization";

/** Where a role path's scope comes from: a fixed scope, or the key named by the `:scopeKey` path parameter. */
interface ScopePrefix {
  /** The path before `/providers/...`, as routed. */
  readonly url: string;
  readonly scope: (raw: Raw) => string;
  /** Only for the single-slash root, which ARM shares. */
  readonly onHsmHostOnly?: boolean;
}

const keyScope = (raw: Raw): string => `/keys/${String(raw["scopeKey"])}`;

const SCOPE_PREFIXES: readonly ScopePrefix[] = [
  { url: "", scope: () => "/", onHsmHostOnly: true },
  { url: "/", scope: () => "/" },
  { url: "//", scope: () => "/" },
  { url: "/keys", scope: () => "/keys" },
  { url: "//keys", scope: () => "/keys" },
  { url: "/keys/:scopeKey", scope: keyScope },
  { url: "//keys/:scopeKey", scope: keyScope },
];

function roleDefinitionJson(definition: RoleDefinition): Record<string, unknown> {
  return {
    id: definition.id,
    name: definition.name,
    type: "Microsoft.Authorization/roleDefinitions",
    properties: {
      roleName: definition.roleName,
      description: definition.description,
      type: definition.type,
      permissions: copyPermissions(definition.permissions),
      assignableScopes: [...definition.assignableScopes],
    },
  };
}

function roleAssignmentJson(assignment: RoleAssignment): Record<string, unknown> {
  return {
    id: assignment.id,
    name: assignment.name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: { scope: assignment.scope, roleDefinitionId: assignment.roleDefinitionId, principalId: assignment.principalId },
  };
}

type FilterClause = "atScope" | "atScopeAndBelow" | "principalId" | "roleName";

/**
 * Key Vault's `$filter`: `atScope()` and `principalId eq '{id}'` for assignments, `atScopeAndBelow()` and
 * `roleName eq '{name}'` for definitions, joined by `and`. Anything else is refused rather than ignored, since an
 * ignored filter would list more than the caller asked for.
 */
function filterOf(raw: Raw, allowed: readonly FilterClause[]): { principalId?: string; roleName?: string } {
  const text = raw["$filter"];
  if (text === undefined || text === "") return {};
  const explain = `supports ${allowed.map((c) => (c === "atScope" || c === "atScopeAndBelow" ? `${c}()` : `${c} eq '...'`)).join(", ")}`;
  if (typeof text !== "string" || text.length > 512) throw badParameter("$filter", `must be given once; it ${explain}`);
  const out: { principalId?: string; roleName?: string } = {};
  for (const clause of text.trim().split(/\s+and\s+/i)) {
    const call = /^(atScope|atScopeAndBelow)\(\)$/i.exec(clause);
    const equals = /^(principalId|roleName)\s+eq\s+'([^']*)'$/i.exec(clause);
    const name = (call?.[1] ?? equals?.[1])?.toLowerCase();
    const known = allowed.find((c) => c.toLowerCase() === name);
    if (known === undefined) throw badParameter("$filter", `'${clause.slice(0, 64)}' is not understood; keyhold ${explain}`);
    if (known === "principalId") out.principalId = requireGuid(equals?.[2], "$filter principalId");
    if (known === "roleName") out.roleName = equals?.[2] ?? "";
  }
  return out;
}

/** `{value, nextLink}`, the next page's link on the path and query the client used ($filter included). */
function listJson<T>(page: Page<T>, origin: string, path: string, raw: Raw, item: (value: T) => unknown): unknown {
  const query = new URLSearchParams({ "api-version": String(raw["api-version"]) });
  for (const name of ["$filter", "maxresults"]) if (typeof raw[name] === "string") query.set(name, raw[name]);
  query.set("$skiptoken", page.nextPageToken);
  return { value: page.items.map(item), nextLink: page.nextPageToken === "" ? null : `${origin}${path}?${query.toString()}` };
}

function properties(raw: Raw): Record<string, unknown> {
  return fields(bodyOf(raw)["properties"] ?? {}, "properties");
}

function requiredText(input: Record<string, unknown>, field: string, label: string): string {
  const value = input[field];
  if (typeof value !== "string" || value === "") throw badParameter(label, "is required (a string)");
  return value;
}

export function roleRoutes(hsmOfHost: (hostname: string) => string | undefined, hsmHost: RegExp): OperationRoute[] {
  return SCOPE_PREFIXES.flatMap((prefix) => {
    const path = (raw: Raw, collection: string): string =>
      `${prefix.url.replace(":scopeKey", encodeURIComponent(String(raw["scopeKey"])))}${AUTHORIZATION}/${collection}`;
    const route = <N extends Parameters<typeof adminRoute>[0]["operation"]>(
      method: OperationRoute["method"],
      suffix: string,
      operation: N,
      fromRequest: (raw: Raw) => unknown,
      respond: (result: AdminResultOf<N>, origin: string, raw: Raw) => ReturnType<typeof ok>,
    ): OperationRoute =>
      adminRoute(
        {
          method,
          url: `${prefix.url}${AUTHORIZATION}/${suffix}`,
          operation,
          fromRequest,
          respond,
          ...(prefix.onHsmHostOnly === true ? { hostConstraint: hsmHost } : {}),
        },
        hsmOfHost,
      );
    const named = (raw: Raw) => ({ scope: prefix.scope(raw), name: raw["name"] });
    return [
      route(
        "GET",
        "roleDefinitions",
        "RoleDefinitionList",
        (raw) => ({ scope: prefix.scope(raw), ...filterOf(raw, ["atScopeAndBelow", "roleName"]), ...pageOf(raw) }),
        (page, origin, raw) => ok(listJson(page, origin, path(raw, "roleDefinitions"), raw, roleDefinitionJson)),
      ),
      route("GET", "roleDefinitions/:name", "RoleDefinitionGet", named, (d) => ok(roleDefinitionJson(d))),
      route(
        "PUT",
        "roleDefinitions/:name",
        "RoleDefinitionSet",
        (raw) => ({ ...named(raw), roleDefinition: properties(raw) }),
        (d) => ({ status: 201, body: roleDefinitionJson(d) }),
      ),
      route("DELETE", "roleDefinitions/:name", "RoleDefinitionDelete", named, (d) => ok(roleDefinitionJson(d))),
      route(
        "GET",
        "roleAssignments",
        "RoleAssignmentList",
        (raw) => ({ scope: prefix.scope(raw), ...filterOf(raw, ["atScope", "principalId"]), ...pageOf(raw) }),
        (page, origin, raw) => ok(listJson(page, origin, path(raw, "roleAssignments"), raw, roleAssignmentJson)),
      ),
      route("GET", "roleAssignments/:name", "RoleAssignmentGet", named, (a) => ok(roleAssignmentJson(a))),
      route(
        "PUT",
        "roleAssignments/:name",
        "RoleAssignmentCreate",
        (raw) => {
          const input = properties(raw);
          return {
            ...named(raw),
            roleDefinitionId: requiredText(input, "roleDefinitionId", "properties.roleDefinitionId"),
            principalId: requireGuid(requiredText(input, "principalId", "properties.principalId"), "properties.principalId"),
          };
        },
        (a) => ({ status: 201, body: roleAssignmentJson(a) }),
      ),
      route("DELETE", "roleAssignments/:name", "RoleAssignmentDelete", named, (a) => ok(roleAssignmentJson(a))),
    ];
  });
}
