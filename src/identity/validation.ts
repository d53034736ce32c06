import { badParameter, echo } from "../errors.js";

/** Field checks shared by the Graph shapes, the CLI and the directory service. */

export function requireDisplayName(field: string, value: unknown): string {
  if (typeof value !== "string") throw badParameter(field, "must be a string");
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 256) throw badParameter(field, "must have 1 to 256 characters");
  return trimmed;
}

// Graph allows a domain-qualified name; keyhold also allows a bare name (the development `admin`).
const USER_PRINCIPAL_NAME = /^[A-Za-z0-9._%+'-]{1,64}(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?$/;

export function requireUserPrincipalName(field: string, value: unknown): string {
  if (typeof value !== "string") throw badParameter(field, "must be a string");
  if (value.length > 113 || !USER_PRINCIPAL_NAME.test(value)) {
    throw badParameter(field, "must look like name@domain (letters, digits and . _ % + ' - before the @)");
  }
  return value;
}

export function requirePassword(field: string, value: unknown): string {
  if (typeof value !== "string") throw badParameter(field, "must be a string");
  if (value.length < 8 || value.length > 256) throw badParameter(field, "must have 8 to 256 characters");
  return value;
}

export function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw badParameter(field, "must be true or false");
  return value;
}

export function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badParameter(field, "must be a JSON object");
  return value as Record<string, unknown>;
}

/** Graph refuses properties it does not know; so do we, naming the first one. */
export function refuseUnknownFields(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw badParameter(field === "" ? echo(key) : `${field}.${echo(key)}`, "is not a known property");
  }
}
