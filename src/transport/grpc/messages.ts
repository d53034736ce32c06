/**
 * Conversions between protobuf-es messages and the plain objects operations
 * take and return. Operations never see protobuf types; JWKs travel as JSON
 * Web Keys (base64url strings) inside keyhold and as bytes on the wire.
 */
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter } from "../../errors.js";

/** A message as a plain object: `$typeName` and `$unknown` removed at every depth. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "$typeName" || key === "$unknown") continue;
    out[key] = plain(field);
  }
  return out;
}

/** The JWK members that are bytes on the wire (base64url in JSON). */
export const JWK_BYTE_MEMBERS = ["n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k"] as const;

/** The wire JsonWebKey (bytes) as a JWK; empty fields are absent, as in JSON. */
export function jwkFromWire(wire: unknown, field = "key"): JsonWebKey {
  if (typeof wire !== "object" || wire === null) throw badParameter(field, "is required");
  const message = wire as Record<string, unknown>;
  const jwk: JsonWebKey = { kty: typeof message["kty"] === "string" ? message["kty"] : "" };
  if (typeof message["kid"] === "string" && message["kid"] !== "") jwk.kid = message["kid"];
  if (typeof message["crv"] === "string" && message["crv"] !== "") jwk.crv = message["crv"];
  const keyOps = message["keyOps"];
  if (Array.isArray(keyOps) && keyOps.length > 0) jwk.key_ops = keyOps.map(String);
  for (const name of JWK_BYTE_MEMBERS) {
    const bytes = message[name];
    if (bytes instanceof Uint8Array && bytes.length > 0) jwk[name] = Buffer.from(bytes).toString("base64url");
  }
  return jwk;
}

/** A public JWK in wire form; private members are never copied, whatever the JWK holds. */
export function jwkToWire(jwk: JsonWebKey): Record<string, unknown> {
  const bytes = (value: string | undefined): Uint8Array => (value === undefined ? new Uint8Array(0) : new Uint8Array(Buffer.from(value, "base64url")));
  return {
    kid: jwk.kid ?? "",
    kty: jwk.kty,
    keyOps: jwk.key_ops ?? [],
    n: bytes(jwk.n),
    e: bytes(jwk.e),
    crv: jwk.crv ?? "",
    x: bytes(jwk.x),
    y: bytes(jwk.y),
  };
}

/** A key bundle from the key domain, with its JWK put in wire form. */
export function bundleToWire(bundle: unknown): unknown {
  if (typeof bundle !== "object" || bundle === null) return bundle;
  const { key, ...rest } = bundle as { key?: JsonWebKey };
  return { ...rest, ...(key === undefined ? {} : { key: jwkToWire(key) }) };
}

export function deletedBundleToWire(deleted: unknown): unknown {
  if (typeof deleted !== "object" || deleted === null) return deleted;
  const { key, ...rest } = deleted as { key?: unknown };
  return { ...rest, key: bundleToWire(key) };
}
