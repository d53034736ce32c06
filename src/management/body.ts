/**
 * Strict readers for ARM request bodies: an unknown property, a wrong type or a bad value is BadParameter naming
 * the property's path (`properties.networkAcls.ipRules[2]`), so a client learns what to fix and nothing is half-applied.
 */
import { badParameter, echo } from "../errors.js";

export type JsonObject = Readonly<Record<string, unknown>>;

const MAX_TAGS = 50;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;

/** `value` as an object holding only `allowed` properties. */
export function strictObject(value: unknown, field: string, allowed: readonly string[]): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badParameter(field, "must be a JSON object");
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw badParameter(join(field, echo(key)), `is not a known property (expected one of: ${allowed.join(", ")})`);
  }
  return value as JsonObject;
}

/** The request body (absent counts as `{}` only when `optional`). */
export function requestBody(raw: JsonObject, allowed: readonly string[], optional = false): JsonObject {
  const body = raw["body"];
  if ((body === undefined || body === null) && optional) return {};
  return strictObject(body, "body", allowed);
}

export function join(field: string, key: string): string {
  return field === "body" ? key : `${field}.${key}`;
}

export function optionalText(input: JsonObject, key: string, field: string, maxLength = 256): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
    throw badParameter(field, `must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function optionalBoolean(input: JsonObject, key: string, field: string): boolean | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw badParameter(field, "must be true or false");
  return value;
}

export function optionalEnum<T extends string>(input: JsonObject, key: string, field: string, values: readonly T[]): T | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  // ARM enums are case-insensitive on input; the canonical spelling is stored.
  const match = typeof value === "string" ? values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined;
  if (match === undefined) throw badParameter(field, `must be one of ${values.join(", ")}`);
  return match;
}

export function optionalInteger(input: JsonObject, key: string, field: string, min: number, max: number): number | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw badParameter(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** ARM tags: at most 50, names up to 512 characters, values (strings) up to 256. */
export function optionalTags(input: JsonObject, key: string, field: string): Readonly<Record<string, string>> | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badParameter(field, "must be an object of string values");
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) throw badParameter(field, `must hold at most ${MAX_TAGS} tags`);
  const tags: Record<string, string> = {};
  for (const [name, tagValue] of entries) {
    if (name.length === 0 || name.length > MAX_TAG_NAME)
      throw badParameter(`${field}.${echo(name)}`, `tag names must be 1 to ${MAX_TAG_NAME} characters`);
    if (typeof tagValue !== "string" || tagValue.length > MAX_TAG_VALUE) {
      throw badParameter(`${field}.${echo(name)}`, `must be a string of at most ${MAX_TAG_VALUE} characters`);
    }
    tags[name] = tagValue;
  }
  return Object.freeze(tags);
}
