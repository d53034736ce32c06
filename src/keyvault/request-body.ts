/**
 * Key Vault's JSON request bodies as the operations' raw input: snake_case and `alg`/`value` names become the
 * operations' field names, and base64url text becomes bytes. Every refusal is BadParameter naming the Key Vault
 * field (`value`, `key_ops`, `maxresults`); the operations' own decode then checks the values as it does for gRPC.
 */
import { badParameter } from "../errors.js";
import { fields, requiredString, type Fields } from "../pipeline/decode.js";

/** The JSON body; an absent one reads as `{}`, so that the missing field is what the error names. */
export function bodyOf(raw: Readonly<Record<string, unknown>>): Fields {
  const body = raw["body"];
  return body === undefined || body === null || body === "" ? {} : fields(body, "body");
}

/** RFC 4648 section 5 (base64url), padding optional, as Key Vault and the SDKs write it. */
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export function base64url(body: Fields, field: string): Uint8Array {
  const value = body[field];
  if (value === undefined || value === null) throw badParameter(field, "is required (base64url)");
  if (typeof value !== "string") throw badParameter(field, "must be a base64url string");
  const unpadded = value.replace(/=+$/, "");
  if (!BASE64URL.test(value) || unpadded.length % 4 === 1) throw badParameter(field, "is not valid base64url");
  return new Uint8Array(Buffer.from(unpadded, "base64url"));
}

export function optionalBase64url(body: Fields, field: string): Uint8Array | undefined {
  const value = body[field];
  return value === undefined || value === null ? undefined : base64url(body, field);
}

/** The JWA algorithm of a key operation (`alg`). */
export function algorithmOf(body: Fields): string {
  return requiredString(body, "alg", 32);
}

/** The version path parameter; an empty one (`/keys/{name}/`) is the latest version. */
export function versionOf(raw: Readonly<Record<string, unknown>>): unknown {
  const version = raw["version"];
  return version === "" ? undefined : version;
}

const KEY_VAULT_MAX_RESULTS = 25;

/** `maxresults` (1 to 25, Key Vault's page size) and the `$skiptoken` of a previous page's nextLink. */
export function pageOf(raw: Readonly<Record<string, unknown>>): { pageSize: number; pageToken: unknown } {
  const text = raw["maxresults"];
  let pageSize = KEY_VAULT_MAX_RESULTS;
  if (text !== undefined && text !== "") {
    pageSize = typeof text === "string" && /^\d{1,3}$/.test(text) ? Number(text) : 0;
    if (pageSize < 1 || pageSize > KEY_VAULT_MAX_RESULTS)
      throw badParameter("maxresults", `must be an integer from 1 to ${KEY_VAULT_MAX_RESULTS}`);
  }
  const token = raw["$skiptoken"];
  if (token !== undefined && typeof token !== "string") throw badParameter("$skiptoken", "must be given once");
  return { pageSize, pageToken: token };
}

/** `attributes` of a create, import or update; keyhold keys are never exportable, so `exportable: true` is refused. */
export function attributesOf(body: Fields): unknown {
  const attributes = body["attributes"];
  if (attributes === undefined || attributes === null) return undefined;
  const input = fields(attributes, "attributes");
  if (input["exportable"] === true) throw badParameter("attributes.exportable", "keyhold keys are never exportable");
  return input;
}

/** Key Vault's release policies serve exportable keys only, which keyhold never makes. */
export function refuseReleasePolicy(body: Fields): void {
  if (body["release_policy"] !== undefined && body["release_policy"] !== null) {
    throw badParameter("release_policy", "keyhold keys are never exportable, so they take no release policy");
  }
}

/** A list field (`key_ops`), or BadParameter naming it. */
export function optionalList(body: Fields, field: string): unknown[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParameter(field, "must be a list");
  return value;
}

/** Key Vault's KeyRotationPolicy (`lifetimeActions[].trigger`, `.action.type`, `attributes.expiryTime`) as keyhold's. */
export function rotationPolicyOf(body: Fields): unknown {
  const actions = optionalList(body, "lifetimeActions") ?? [];
  const attributes = body["attributes"] === undefined || body["attributes"] === null ? {} : fields(body["attributes"], "attributes");
  return {
    lifetimeActions: actions.map((entry, i) => {
      const action = fields(entry, `lifetimeActions[${i}]`);
      const trigger = fields(action["trigger"] ?? {}, `lifetimeActions[${i}].trigger`);
      const type = fields(action["action"] ?? {}, `lifetimeActions[${i}].action`)["type"];
      // Key Vault takes the action type in any case (the SDKs send "Rotate", the REST reference shows "rotate").
      const lower = typeof type === "string" ? type.toLowerCase() : undefined;
      const normalized = lower === "rotate" ? "Rotate" : lower === "notify" ? "Notify" : type;
      return { timeAfterCreate: trigger["timeAfterCreate"], timeBeforeExpiry: trigger["timeBeforeExpiry"], action: normalized };
    }),
    expiryTime: attributes["expiryTime"],
  };
}
