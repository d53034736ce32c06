import { badParameter } from "../errors.js";

/** The two planes a token can be for; its audience says which (SPEC section 5). */
export type Plane = "data" | "management";

export type PlaneAudiences = Readonly<Record<Plane, string>>;

export const DEFAULT_AUDIENCES: PlaneAudiences = Object.freeze({
  data: "https://managedhsm.azure.net",
  management: "https://management.azure.com",
});

export function parsePlane(field: string, value: unknown): Plane {
  if (value === "data" || value === "management") return value;
  throw badParameter(field, 'must be "data" or "management"');
}

/** The resource identifier without a trailing `/` or `/.default` (the v2 scope form), compared case-insensitively. */
function normalizeResource(resource: string): string {
  return resource
    .replace(/\/\.default$/i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

/** Which plane a resource (v1) or `<resource>/.default` scope (v2) asks for; undefined when neither. */
export function planeOfResource(audiences: PlaneAudiences, resource: string): Plane | undefined {
  const wanted = normalizeResource(resource);
  if (wanted === normalizeResource(audiences.data)) return "data";
  if (wanted === normalizeResource(audiences.management)) return "management";
  return undefined;
}
