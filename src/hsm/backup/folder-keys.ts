/**
 * The keys of a full backup folder, derived with HKDF-SHA-256 (RFC 5869) from
 * the domain's backup key, itself derived from the security domain secret: one
 * key encrypts the files, another authenticates the manifest, so that neither
 * serves two purposes. Any HSM holding the same security domain derives the
 * same keys; any other cannot read or forge a folder.
 */
import { createHmac } from "node:crypto";
import { equalBytes } from "../../crypto/bytes.js";
import { aeadOpen, aeadSeal } from "../keys/aead.js";
import { deriveKey, type DomainKeys } from "../keys/domain.js";

export interface FolderKeys {
  readonly fileKey: Uint8Array;
  readonly manifestKey: Uint8Array;
  /** The domain fingerprint, to refuse a foreign folder by name before any MAC check. */
  readonly fingerprint: Uint8Array;
}

const encoder = new TextEncoder();

export function folderKeysOf(domain: DomainKeys): FolderKeys {
  return Object.freeze({
    fileKey: deriveKey(domain.backupKey, "keyhold/v1/full-backup/files"),
    manifestKey: deriveKey(domain.backupKey, "keyhold/v1/full-backup/manifest"),
    fingerprint: domain.fingerprint,
  });
}

/** Binds a file to its folder and name: a file copied from another folder or renamed does not open. */
function fileAad(folder: string, name: string): Uint8Array {
  return encoder.encode(`keyhold/v1/full-backup\n${folder}\n${name}`);
}

export function sealFile(keys: FolderKeys, folder: string, name: string, contents: unknown): Uint8Array {
  return aeadSeal(keys.fileKey, encoder.encode(JSON.stringify(contents)), fileAad(folder, name));
}

/** The file's JSON, or undefined when it was altered, moved or sealed under another domain. */
export function openFile(keys: FolderKeys, folder: string, name: string, sealed: Uint8Array): unknown {
  const plaintext = aeadOpen(keys.fileKey, sealed, fileAad(folder, name));
  return plaintext === undefined ? undefined : (JSON.parse(new TextDecoder().decode(plaintext)) as unknown);
}

export function manifestMac(keys: FolderKeys, body: string): string {
  return createHmac("sha256", keys.manifestKey).update(body, "utf8").digest("base64url");
}

export function sameMac(a: string, b: string): boolean {
  return equalBytes(encoder.encode(a), encoder.encode(b));
}
