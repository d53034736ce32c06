/** GUIDs (object ids, role and assignment names): compared case-insensitively, as Entra ID and ARM treat them. */
import { badParameter } from "./errors.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}

/** `value` as a lower-case GUID, or BadParameter naming `field` with `problem`. */
export function requireGuid(value: unknown, field: string, problem = "must be a GUID"): string {
  if (!isGuid(value)) throw badParameter(field, problem);
  return value.toLowerCase();
}
