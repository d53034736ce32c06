/**
 * The manifest of a backup folder: which files it holds (name, size, SHA-256)
 * and whose domain and HSM it comes from, authenticated with HMAC-SHA-256
 * (RFC 2104) under a key derived from the security domain. It is written last,
 * so a folder without one is an unfinished backup. The MAC covers the exact
 * bytes of `body`, so no canonical JSON is needed.
 */
import { createHash } from "node:crypto";
import { badParameter } from "../../errors.js";
import { isRecord } from "../../is-record.js";
import { manifestMac, sameMac, type FolderKeys } from "./folder-keys.js";

export const MANIFEST_FILE = "manifest.json";
const FORMAT = "keyhold-full-backup/1";

export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  /** Hex SHA-256 of the stored (encrypted) bytes. */
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof FORMAT;
  readonly folder: string;
  readonly hsmId: string;
  readonly hsmName: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** base64url of the domain fingerprint. */
  readonly domainFingerprint: string;
  readonly keyCount: number;
  readonly files: readonly ManifestFile[];
}

export type ManifestInput = Omit<Manifest, "format" | "domainFingerprint">;

export function describeFile(name: string, bytes: Uint8Array): ManifestFile {
  return { name, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

export function signManifest(keys: FolderKeys, input: ManifestInput): Uint8Array {
  const manifest: Manifest = { format: FORMAT, ...input, domainFingerprint: Buffer.from(keys.fingerprint).toString("base64url") };
  const body = JSON.stringify(manifest);
  return new TextEncoder().encode(JSON.stringify({ body, mac: manifestMac(keys, body) }));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The manifest of `folder`, or BadParameter on `field` saying why it cannot be trusted here. */
export function openManifest(keys: FolderKeys, folder: string, bytes: Uint8Array, field = "folder"): Manifest {
  const outer = parse(new TextDecoder().decode(bytes));
  if (!isRecord(outer) || typeof outer["body"] !== "string" || typeof outer["mac"] !== "string") {
    throw badParameter(field, "the folder's manifest is not a keyhold backup manifest");
  }
  const body = parse(outer["body"]);
  if (!isRecord(body) || body["format"] !== FORMAT) throw badParameter(field, "the folder's manifest is not a keyhold backup manifest");
  // Checked before the MAC, whose failure could not tell a foreign domain from tampering.
  if (body["domainFingerprint"] !== Buffer.from(keys.fingerprint).toString("base64url")) {
    throw badParameter(field, "the backup belongs to another security domain and cannot be restored into this HSM");
  }
  if (!sameMac(outer["mac"], manifestMac(keys, outer["body"]))) {
    throw badParameter(field, "the backup is damaged: its manifest failed its integrity check");
  }
  // Authenticated under our domain, so written by signManifest.
  const manifest = body as unknown as Manifest;
  if (manifest.folder !== folder) throw badParameter(field, `the manifest belongs to folder ${manifest.folder}, not ${folder}`);
  return manifest;
}
