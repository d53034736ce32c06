/**
 * Azure Resource Manager scopes for the management plane: tenant root `/` > management groups (nested) >
 * subscriptions > resource groups > resources (and their child and extension resources). ARM compares scopes
 * case-insensitively. Where a subscription or management group sits in the management-group tree is directory
 * state, so the caller supplies it as a lookup; this file stays pure.
 */
import { badParameter } from "../errors.js";
import type { ScopeRule } from "./scope-rule.js";

export interface ArmHierarchyNode {
  readonly kind: "managementGroup" | "subscription";
  readonly id: string;
}

/**
 * The management-group ids above `node`, nearest first (an unknown node has none). Ids are passed lower-cased, as
 * ARM ids compare case-insensitively; the lookup must match them that way.
 */
export type ManagementGroupAncestry = (node: ArmHierarchyNode) => readonly string[];

type ArmScope =
  | { readonly kind: "root" }
  | { readonly kind: "managementGroup"; readonly id: string }
  /** A subscription or anything below it, as lower-cased path segments starting with "subscriptions". */
  | { readonly kind: "subscriptionTree"; readonly subscriptionId: string; readonly segments: readonly string[] };

// Resource group names: letters, digits, `._()-`, up to 90 characters; management group and subscription ids fit too.
const CONTAINER_ID = /^[0-9A-Za-z._()-]{1,90}$/;
/** A resource provider namespace (`Microsoft.KeyVault`), as the `/providers/{namespace}` segment holds it. */
export const PROVIDER_NAMESPACE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
/** One resource type segment (`managedHSMs`) after the namespace. */
export const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]*$/;
const RESOURCE_NAME = /^[^/\\?#%\s]{1,260}$/;

const SHAPE =
  "must be /, /providers/Microsoft.Management/managementGroups/{id}, or /subscriptions/{id}" +
  "[/resourceGroups/{name}][/providers/{namespace}/{type}/{name}...]";

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** `providers/{ns}/{type}/{name}[/{type}/{name}]...`, possibly repeated for extension resources. */
function isProviderPath(segments: readonly string[]): boolean {
  let i = 0;
  while (i < segments.length) {
    if (!same(segments[i], "providers") || !PROVIDER_NAMESPACE.test(segments[i + 1] ?? "")) return false;
    i += 2;
    let pairs = 0;
    while (i < segments.length && !same(segments[i], "providers")) {
      if (!RESOURCE_TYPE.test(segments[i] ?? "") || !RESOURCE_NAME.test(segments[i + 1] ?? "")) return false;
      i += 2;
      pairs++;
    }
    if (pairs === 0) return false;
  }
  return true;
}

function parseArmScope(scope: string): ArmScope | undefined {
  if (scope === "/") return { kind: "root" };
  if (!scope.startsWith("/")) return undefined;
  const segments = scope.slice(1).split("/");
  const [first, second, third, fourth] = segments;
  if (
    segments.length === 4 &&
    same(first, "providers") &&
    same(second, "Microsoft.Management") &&
    same(third, "managementGroups") &&
    CONTAINER_ID.test(fourth ?? "")
  ) {
    return { kind: "managementGroup", id: (fourth ?? "").toLowerCase() };
  }
  if (!same(first, "subscriptions") || !CONTAINER_ID.test(second ?? "")) return undefined;
  let rest = segments.slice(2);
  if (same(rest[0], "resourceGroups")) {
    if (!CONTAINER_ID.test(rest[1] ?? "")) return undefined;
    rest = rest.slice(2);
  }
  if (!isProviderPath(rest)) return undefined;
  return {
    kind: "subscriptionTree",
    subscriptionId: (second ?? "").toLowerCase(),
    segments: segments.map((segment) => segment.toLowerCase()),
  };
}

function isPrefix(prefix: readonly string[], whole: readonly string[]): boolean {
  return prefix.length <= whole.length && prefix.every((segment, i) => segment === whole[i]);
}

function hasAncestor(ancestry: ManagementGroupAncestry, node: ArmHierarchyNode, groupId: string): boolean {
  return ancestry(node).some((id) => id.toLowerCase() === groupId);
}

export function armScopeRule(ancestry: ManagementGroupAncestry): ScopeRule {
  return Object.freeze({
    normalize(scope: unknown, field: string): string {
      if (typeof scope !== "string" || parseArmScope(scope) === undefined) throw badParameter(field, SHAPE);
      return scope;
    },
    contains(assignmentScope: string, targetScope: string): boolean {
      const assigned = parseArmScope(assignmentScope);
      const target = parseArmScope(targetScope);
      if (assigned === undefined || target === undefined) return false;
      switch (assigned.kind) {
        case "root":
          return true;
        case "managementGroup":
          if (target.kind === "root") return false;
          if (target.kind === "managementGroup") {
            return target.id === assigned.id || hasAncestor(ancestry, { kind: "managementGroup", id: target.id }, assigned.id);
          }
          return hasAncestor(ancestry, { kind: "subscription", id: target.subscriptionId }, assigned.id);
        case "subscriptionTree":
          return target.kind === "subscriptionTree" && isPrefix(assigned.segments, target.segments);
      }
    },
  });
}
