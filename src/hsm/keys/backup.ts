/**
 * Key backup blobs (Key Vault BackupKey / RestoreKey): every version of one
 * key with its attributes, tags and rotation policy, encrypted and
 * authenticated with AES-256-GCM under the domain's backup key. Layout:
 *
 *   "KHKB" ‖ format (1 byte) ‖ domain fingerprint (16 bytes) ‖ iv ‖ ciphertext ‖ tag
 *
 * The header is the associated data, so it cannot be altered either; the
 * fingerprint lets another domain refuse the blob with a clear message
 * instead of a failed decryption.
 */
import { equalBytes } from "../../crypto/bytes.js";
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter } from "../../errors.js";
import { isRecord } from "../../is-record.js";
import type { KeyVersionRecord } from "../../store/index.js";
import { aeadOpen, aeadSeal } from "./aead.js";
import { openPrivateJwk, sealPrivateJwk } from "./at-rest.js";
import { FINGERPRINT_BYTES, type DomainKeys } from "./domain.js";

/** A version as the store keeps it, with its private JWK opened (the whole blob is encrypted). */
export type BackupVersion = Omit<KeyVersionRecord, "hsmId" | "name" | "sealedPrivateJwk"> & { readonly privateJwk: JsonWebKey };

export interface KeyBackup {
  readonly name: string;
  readonly createdAt: number;
  readonly rotationPolicy?: string;
  readonly versions: readonly BackupVersion[];
}

/** Stored versions with their private JWKs opened, ready to go into a backup. */
export function openVersions(domain: DomainKeys, versions: readonly KeyVersionRecord[]): BackupVersion[] {
  return versions.map(({ hsmId, name, sealedPrivateJwk, ...version }) => ({
    ...version,
    privateJwk: openPrivateJwk(domain, { hsmId, name, version: version.version }, sealedPrivateJwk),
  }));
}

/** Backed-up versions as store records of key `name` in HSM `hsmId`, each private JWK sealed again for its new place. */
export function sealVersions(domain: DomainKeys, hsmId: string, name: string, versions: readonly BackupVersion[]): KeyVersionRecord[] {
  return versions.map(({ privateJwk, ...version }) => ({
    ...version,
    hsmId,
    name,
    sealedPrivateJwk: sealPrivateJwk(domain, { hsmId, name, version: version.version }, privateJwk),
  }));
}

const MAGIC = new TextEncoder().encode("KHKB");
const FORMAT = 1;
const HEADER_BYTES = MAGIC.length + 1 + FINGERPRINT_BYTES;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function sealBackup(domain: DomainKeys, backup: KeyBackup): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC, 0);
  header[MAGIC.length] = FORMAT;
  header.set(domain.fingerprint, MAGIC.length + 1);
  const body = aeadSeal(domain.backupKey, encoder.encode(JSON.stringify(backup)), header);
  const blob = new Uint8Array(HEADER_BYTES + body.length);
  blob.set(header, 0);
  blob.set(body, HEADER_BYTES);
  return blob;
}

/** The backup in `blob`, or BadParameter on `value` saying why it cannot be restored here. */
export function openBackup(domain: DomainKeys, blob: Uint8Array, field = "value"): KeyBackup {
  if (blob.length <= HEADER_BYTES || !equalBytes(blob.subarray(0, MAGIC.length), MAGIC) || blob[MAGIC.length] !== FORMAT) {
    throw badParameter(field, "is not a keyhold key backup");
  }
  const header = blob.subarray(0, HEADER_BYTES);
  if (!equalBytes(header.subarray(MAGIC.length + 1), domain.fingerprint)) {
    throw badParameter(field, "the backup belongs to another security domain and cannot be restored into this HSM");
  }
  const plaintext = aeadOpen(domain.backupKey, blob.subarray(HEADER_BYTES), header);
  if (plaintext === undefined) throw badParameter(field, "the backup is damaged (its integrity check failed)");
  const parsed = JSON.parse(decoder.decode(plaintext)) as unknown;
  // Authenticated under our own key, so it was written by sealBackup; the shape check guards format drift.
  if (!isRecord(parsed) || typeof parsed["name"] !== "string" || !Array.isArray(parsed["versions"]) || parsed["versions"].length === 0) {
    throw badParameter(field, "is not a keyhold key backup");
  }
  return parsed as unknown as KeyBackup;
}
