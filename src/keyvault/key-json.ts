/**
 * The operations' results in Key Vault's JSON (KeyBundle, KeyItem, DeletedKeyBundle, KeyListResult,
 * KeyRotationPolicy, KeyOperationResult): base64url bytes, Unix-seconds dates, and every identifier (`kid`,
 * `recoveryId`, `nextLink`, the policy `id`) on the request's own origin, so that a client can follow it whatever
 * host name or port it used.
 */
import type { JsonWebKey } from "../crypto/index.js";
import type { Page } from "../pipeline/decode.js";
import type { DeletedKeyBundle, KeyAttributes, KeyBundle, KeyItem } from "../hsm/keys/bundle.js";
import type { RotationPolicy } from "../hsm/keys/index.js";

/** An identifier the key domain made (`https://<hsmUriHost>/keys/...`) on the origin the client called. */
export function onOrigin(id: string, origin: string): string {
  return `${origin}${new URL(id).pathname}`;
}

export const base64urlOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** The public members only, whatever the JWK holds. */
function publicJwk(jwk: JsonWebKey, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = { kid: jwk.kid === undefined ? undefined : onOrigin(jwk.kid, origin), kty: jwk.kty };
  if (jwk.key_ops !== undefined) out["key_ops"] = [...jwk.key_ops];
  for (const member of ["n", "e", "crv", "x", "y"] as const) if (jwk[member] !== undefined) out[member] = jwk[member];
  return out;
}

function attributesJson(attributes: KeyAttributes): Record<string, unknown> {
  return {
    enabled: attributes.enabled,
    ...(attributes.nbf === undefined ? {} : { nbf: attributes.nbf }),
    ...(attributes.exp === undefined ? {} : { exp: attributes.exp }),
    created: attributes.created,
    updated: attributes.updated,
    recoveryLevel: attributes.recoveryLevel,
    recoverableDays: attributes.recoverableDays,
    exportable: attributes.exportable,
  };
}

/** Tags only when there are some, as Key Vault writes them. */
function tagsJson(tags: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.keys(tags).length === 0 ? {} : { tags: { ...tags } };
}

export function keyBundleJson(bundle: KeyBundle, origin: string): Record<string, unknown> {
  return { key: publicJwk(bundle.key, origin), attributes: attributesJson(bundle.attributes), ...tagsJson(bundle.tags) };
}

/** A list item; `keys` lists name a key by its versionless id, as Key Vault's do. */
export function keyItemJson(item: KeyItem, origin: string, versionless = false): Record<string, unknown> {
  const kid = onOrigin(item.kid, origin);
  return {
    kid: versionless ? kid.slice(0, kid.lastIndexOf("/")) : kid,
    attributes: attributesJson(item.attributes),
    ...tagsJson(item.tags),
  };
}

export function deletedKeyJson<K extends KeyItem>(
  deleted: DeletedKeyBundle<K>,
  origin: string,
  item: (key: K, origin: string) => Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...item(deleted.key, origin),
    recoveryId: onOrigin(deleted.recoveryId, origin),
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
  };
}

/** A page of a list, with Key Vault's `nextLink` (null on the last page) carrying api-version and maxresults. */
export function pageJson<T>(
  page: Page<T>,
  origin: string,
  path: string,
  query: Readonly<Record<string, unknown>>,
  item: (value: T) => Record<string, unknown>,
): Record<string, unknown> {
  const next =
    page.nextPageToken === ""
      ? null
      : `${origin}${path}?${new URLSearchParams({
          "api-version": String(query["api-version"]),
          ...(typeof query["maxresults"] === "string" ? { maxresults: query["maxresults"] } : {}),
          $skiptoken: page.nextPageToken,
        }).toString()}`;
  return { value: page.items.map(item), nextLink: next };
}

export function rotationPolicyJson(policy: RotationPolicy, origin: string): Record<string, unknown> {
  return {
    id: onOrigin(policy.id, origin),
    lifetimeActions: policy.lifetimeActions.map((action) => ({
      trigger: {
        ...(action.timeAfterCreate === undefined ? {} : { timeAfterCreate: action.timeAfterCreate }),
        ...(action.timeBeforeExpiry === undefined ? {} : { timeBeforeExpiry: action.timeBeforeExpiry }),
      },
      action: { type: action.action },
    })),
    attributes: {
      ...(policy.expiryTime === undefined ? {} : { expiryTime: policy.expiryTime }),
      ...(policy.created === undefined ? {} : { created: policy.created }),
      ...(policy.updated === undefined ? {} : { updated: policy.updated }),
    },
  };
}
