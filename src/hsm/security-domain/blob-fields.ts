/** Field readers and sizes shared by the downloaded security domain and the restore blob (both JSON, base64url bytes). */
import { fromBase64Url, toBase64Url } from "../../crypto/bytes.js";
import { badParameter } from "../../errors.js";
import { fields, type Fields } from "../../pipeline/decode.js";

export const THUMBPRINT_BYTES = 32;
/** The domain secret is 32 bytes; a share is as long as the secret. */
export const MAX_SHARE_BYTES = 64;

/** The JSON object in `text`, or BadParameter naming `field`. */
export function jsonObject(text: string, field: string): Fields {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badParameter(field, "is not JSON");
  }
  return fields(json, field);
}

export function integerField(input: Fields, name: string, field: string, min: number, max: number): number {
  const value = input[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw badParameter(`${field}.${name}`, `must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * A base64url field whose decoded length `allowed` accepts; with `canonical`, the text must be exactly what
 * encoding those bytes gives (so no character of a restore blob can change without the blob being refused).
 */
export function base64UrlField(
  input: Fields,
  name: string,
  field: string,
  allowed: (length: number) => boolean,
  options: { canonical?: boolean } = {},
): string {
  const value = input[name];
  const bytes = fromBase64Url(value, `${field}.${name}`);
  if (options.canonical === true && toBase64Url(bytes) !== value) throw badParameter(`${field}.${name}`, "is not canonical base64url");
  if (!allowed(bytes.length)) throw badParameter(`${field}.${name}`, `has the wrong length (${bytes.length} bytes)`);
  return value as string;
}
