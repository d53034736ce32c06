/** Field-naming readers for key requests (SPEC section 4 limits); every refusal is BadParameter naming the field. */
import type { KeyOperation, KeyType } from "../../crypto/index.js";
import { badParameter } from "../../errors.js";
import { fields, optionalString, type Fields } from "../../pipeline/decode.js";

const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const KEY_VERSION = /^[0-9a-fA-F]{32}$/;
export const MAX_TAGS = 15;
const MAX_TAG_CHARS = 256;

export function keyName(input: Fields, field = "name"): string {
  const value = optionalString(input, field, 127);
  if (value === undefined) throw badParameter(field, "is required");
  if (!KEY_NAME.test(value)) throw badParameter(field, "must be 1 to 127 letters, digits or dashes");
  return value;
}

/** Empty means the latest version. */
export function keyVersion(input: Fields, field = "version"): string | undefined {
  const value = optionalString(input, field, 32);
  if (value === undefined) return undefined;
  if (!KEY_VERSION.test(value)) throw badParameter(field, "must be 32 hexadecimal characters");
  return value.toLowerCase();
}

export interface KeyTypeChoice {
  readonly family: KeyType;
  /** Every key of a managed HSM is an HSM key, so the stored type is the -HSM one. */
  readonly kty: "RSA-HSM" | "EC-HSM" | "oct-HSM";
}

const KEY_TYPES: Readonly<Record<string, KeyTypeChoice>> = Object.assign(Object.create(null) as Record<string, KeyTypeChoice>, {
  RSA: { family: "RSA", kty: "RSA-HSM" },
  "RSA-HSM": { family: "RSA", kty: "RSA-HSM" },
  EC: { family: "EC", kty: "EC-HSM" },
  "EC-HSM": { family: "EC", kty: "EC-HSM" },
  oct: { family: "oct", kty: "oct-HSM" },
  "oct-HSM": { family: "oct", kty: "oct-HSM" },
});

export function keyType(value: unknown, field = "kty"): KeyTypeChoice {
  const choice = typeof value === "string" ? KEY_TYPES[value] : undefined;
  if (choice === undefined) throw badParameter(field, "must be one of RSA-HSM, RSA, EC-HSM, EC, oct-HSM, oct");
  return choice;
}

/** What each key family can do; also its default key_ops. */
export const KEY_OPS_BY_FAMILY: Readonly<Record<KeyType, readonly KeyOperation[]>> = Object.freeze({
  RSA: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  EC: ["sign", "verify"],
  oct: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
});

/** A key_ops list (an array of operation names), or undefined when absent or empty. */
export function keyOps(value: unknown, family: KeyType, field = "key_ops"): KeyOperation[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParameter(field, "must be a list of operations");
  if (value.length === 0) return undefined;
  const allowed = KEY_OPS_BY_FAMILY[family];
  const out: KeyOperation[] = [];
  for (const op of value) {
    const known = allowed.find((candidate) => candidate === op);
    if (known === undefined)
      throw badParameter(
        field,
        `${typeof op === "string" ? `'${op.slice(0, 32)}'` : "each entry"} is not an operation of ${family} keys (${allowed.join(", ")})`,
      );
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

export function tags(value: unknown, field = "tags"): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const input = fields(value, field);
  const entries = Object.entries(input);
  if (entries.length > MAX_TAGS) throw badParameter(field, `at most ${MAX_TAGS} tags are allowed`);
  const out: Record<string, string> = {};
  for (const [name, tagValue] of entries) {
    if (name.length === 0 || name.length > MAX_TAG_CHARS) throw badParameter(field, `tag names must be 1 to ${MAX_TAG_CHARS} characters`);
    if (typeof tagValue !== "string") throw badParameter(`${field}.${name.slice(0, 64)}`, "must be a string");
    if (tagValue.length > MAX_TAG_CHARS) throw badParameter(`${field}.${name.slice(0, 64)}`, `must be at most ${MAX_TAG_CHARS} characters`);
    out[name] = tagValue;
  }
  return out;
}

/** Unix seconds: a non-negative safe integer. */
function optionalSeconds(input: Fields, field: string, path = field): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "bigint" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0)
    throw badParameter(path, "must be unix seconds (a non-negative integer)");
  return number;
}

export function optionalInteger(input: Fields, field: string, path = field): number | undefined {
  const value = input[field];
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw badParameter(path, "must be an integer");
  return value;
}

export interface AttributesInput {
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
}

export function attributes(value: unknown, field = "attributes"): AttributesInput | undefined {
  if (value === undefined || value === null) return undefined;
  const input = fields(value, field);
  const enabled = input["enabled"];
  if (enabled !== undefined && typeof enabled !== "boolean") throw badParameter(`${field}.enabled`, "must be a boolean");
  const nbf = optionalSeconds(input, "nbf", `${field}.nbf`);
  const exp = optionalSeconds(input, "exp", `${field}.exp`);
  if (nbf !== undefined && exp !== undefined && exp <= nbf) throw badParameter(`${field}.exp`, "must be after nbf");
  return { ...(enabled === undefined ? {} : { enabled }), ...(nbf === undefined ? {} : { nbf }), ...(exp === undefined ? {} : { exp }) };
}

export function bytes(input: Fields, field: string, path = field): Uint8Array {
  const value = input[field];
  if (!(value instanceof Uint8Array)) throw badParameter(path, "is required (bytes)");
  return value;
}

/** Empty bytes count as absent, as protobuf's defaults do. */
export function optionalBytes(input: Fields, field: string, path = field): Uint8Array | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Uint8Array)) throw badParameter(path, "must be bytes");
  return value.length === 0 ? undefined : value;
}
