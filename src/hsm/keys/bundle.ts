/** The shapes key operations return (Key Vault's KeyBundle family), made from stored records. */
import type { JsonWebKey } from "../../crypto/index.js";
import type { KeyRecord, KeyVersionRecord } from "../../store/index.js";
import type { HsmRuntime } from "../../pipeline/hsm-registry.js";

export interface KeyAttributes {
  readonly enabled: boolean;
  readonly nbf?: number;
  readonly exp?: number;
  readonly created: number;
  readonly updated: number;
  readonly recoveryLevel: string;
  readonly recoverableDays: number;
  readonly exportable: false;
}

export interface KeyItem {
  readonly kid: string;
  readonly attributes: KeyAttributes;
  readonly tags: Readonly<Record<string, string>>;
  readonly managed: false;
}

export interface KeyBundle extends KeyItem {
  /** Public members only, with kid, kty as stored (e.g. "RSA-HSM") and key_ops. */
  readonly key: JsonWebKey;
}

export interface DeletedKeyBundle<K extends KeyItem = KeyBundle> {
  readonly key: K;
  readonly recoveryId: string;
  readonly deletedDate: number;
  readonly scheduledPurgeDate: number;
}

export type HsmFacts = Pick<HsmRuntime, "hsmUriHost" | "softDeleteRetentionInDays" | "enablePurgeProtection">;

export function keyId(hsm: Pick<HsmRuntime, "hsmUriHost">, name: string, version: string): string {
  return `https://${hsm.hsmUriHost}/keys/${name}/${version}`;
}

export function recoveryId(hsm: Pick<HsmRuntime, "hsmUriHost">, name: string): string {
  return `https://${hsm.hsmUriHost}/deletedkeys/${name}`;
}

/** Key Vault's recovery levels: "Customized" below the 90-day default, "+Purgeable" without purge protection. */
function recoveryLevel(hsm: HsmFacts): string {
  const base = hsm.softDeleteRetentionInDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  return hsm.enablePurgeProtection ? base : `${base}+Purgeable`;
}

function attributesOf(hsm: HsmFacts, version: KeyVersionRecord): KeyAttributes {
  return {
    enabled: version.enabled,
    ...(version.nbf === undefined ? {} : { nbf: version.nbf }),
    ...(version.exp === undefined ? {} : { exp: version.exp }),
    created: version.created,
    updated: version.updated,
    recoveryLevel: recoveryLevel(hsm),
    recoverableDays: hsm.softDeleteRetentionInDays,
    exportable: false,
  };
}

export function keyItem(hsm: HsmFacts, version: KeyVersionRecord): KeyItem {
  return {
    kid: keyId(hsm, version.name, version.version),
    attributes: attributesOf(hsm, version),
    tags: { ...version.tags },
    managed: false,
  };
}

export function keyBundle(hsm: HsmFacts, version: KeyVersionRecord): KeyBundle {
  const item = keyItem(hsm, version);
  const stored = JSON.parse(version.publicJwk) as JsonWebKey;
  return { ...item, key: { ...stored, kid: item.kid, kty: version.kty, key_ops: [...version.keyOps] } };
}

export function deletedKeyBundle<K extends KeyItem>(key: KeyRecord, bundle: K): DeletedKeyBundle<K> {
  return {
    key: bundle,
    recoveryId: key.recoveryId ?? "",
    deletedDate: key.deletedDate ?? 0,
    scheduledPurgeDate: key.scheduledPurgeDate ?? 0,
  };
}
