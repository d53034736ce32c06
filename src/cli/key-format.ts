/** `keyhold key ...` output: key bundles, lists, deleted keys and rotation policies as text. */
import type { DeletedKeyBundle, KeyBundle, KeyRotationPolicy } from "../gen/keyhold/v1/keys_pb.js";
import { formatTable } from "./client-options.js";
import { formatTime } from "./key-requests.js";

export function keyIdParts(kid: string): { name: string; version: string } {
  const match = /\/keys\/([^/]+)(?:\/([^/]+))?\/?$/.exec(kid);
  return { name: match?.[1] ?? kid, version: match?.[2] ?? "" };
}

function keyShape(bundle: KeyBundle): string {
  const key = bundle.key;
  if (key === undefined) return "-";
  if (key.n.length > 0) return `${key.kty} ${key.n.length * 8} bits`;
  if (key.crv !== "") return `${key.kty} ${key.crv}`;
  return key.kty;
}

export function formatKeyBundle(bundle: KeyBundle): string {
  const attributes = bundle.attributes;
  const tags = Object.entries(bundle.tags).map(([k, v]) => `${k}=${v}`);
  return [
    `kid:        ${bundle.kid}`,
    `key:        ${keyShape(bundle)}`,
    `key_ops:    ${bundle.key?.keyOps.join(", ") || "-"}`,
    `enabled:    ${attributes?.enabled ?? false}`,
    `not before: ${formatTime(attributes?.nbf)}`,
    `expires:    ${formatTime(attributes?.exp)}`,
    `created:    ${formatTime(attributes?.created)}`,
    `updated:    ${formatTime(attributes?.updated)}`,
    `recovery:   ${attributes?.recoveryLevel || "-"}${attributes?.recoverableDays ? ` (${attributes.recoverableDays} days)` : ""}`,
    `tags:       ${tags.length === 0 ? "-" : tags.join(", ")}`,
  ].join("\n");
}

/** A header row, then one row per key version: name, version, shape, enabled, expiry. */
export function formatKeyList(bundles: readonly KeyBundle[]): string {
  if (bundles.length === 0) return "(no keys)";
  return formatTable(
    ["NAME", "VERSION", "KEY", "STATE", "EXPIRES"],
    bundles.map((bundle) => {
      const { name, version } = keyIdParts(bundle.kid);
      return [
        name,
        version || "-",
        keyShape(bundle),
        bundle.attributes?.enabled === true ? "enabled" : "disabled",
        formatTime(bundle.attributes?.exp),
      ];
    }),
  );
}

export function formatDeletedKey(deleted: DeletedKeyBundle): string {
  const { name } = keyIdParts(deleted.key?.kid ?? "");
  return `${name}  deleted ${formatTime(deleted.deletedDate)}  purge scheduled ${formatTime(deleted.scheduledPurgeDate)}  recoveryId ${deleted.recoveryId}`;
}

export function formatRotationPolicy(policy: KeyRotationPolicy | undefined): string {
  if (policy === undefined || policy.lifetimeActions.length === 0) return "no rotation policy";
  const actions = policy.lifetimeActions.map((action) =>
    action.timeAfterCreate !== ""
      ? `${action.action} ${action.timeAfterCreate} after creation`
      : `${action.action} ${action.timeBeforeExpiry} before expiry`,
  );
  return [...actions, `new versions expire after ${policy.expiryTime || "-"}`].join("\n");
}
