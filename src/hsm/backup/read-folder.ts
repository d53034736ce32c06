/**
 * Reads and verifies a whole backup folder before anything is restored from
 * it: the manifest must be authentic and of this security domain, the folder
 * must hold exactly the files it lists (none missing, none extra), and every
 * file must have the listed size and SHA-256 and open under the domain's key.
 * Any failure is BadParameter on `folder`; nothing has changed by then.
 */
import { createHash } from "node:crypto";
import { badParameter, KeyholdError } from "../../errors.js";
import type { BackedUpKey, BackedUpRoles, HsmContents } from "./contents.js";
import { openFile, type FolderKeys } from "./folder-keys.js";
import { MANIFEST_FILE, openManifest, type Manifest } from "./manifest.js";
import { listFolder, type BackupLocation, type BackupStorage } from "./storage.js";
import { ROLES_FILE } from "./write-folder.js";

const FIELD = "folder";

export interface VerifiedFolder {
  readonly manifest: Manifest;
  readonly contents: HsmContents;
}

async function readManifest(storage: BackupStorage, location: BackupLocation, folder: string): Promise<Uint8Array> {
  try {
    return await storage.readBlob(location.storageAccount, location.container, `${folder}/${MANIFEST_FILE}`);
  } catch (error) {
    if (error instanceof KeyholdError && error.code === "NotFound" && error.field === "blob") {
      throw badParameter(
        FIELD,
        `${folder} holds no manifest: it does not exist in container ${location.container} or is an unfinished backup`,
      );
    }
    throw error;
  }
}

function checkFileSet(manifest: Manifest, present: readonly string[]): void {
  const listed = new Set(manifest.files.map((file) => file.name));
  const missing = [...listed].filter((name) => !present.includes(name));
  if (missing.length > 0)
    throw badParameter(FIELD, `the backup is damaged: ${missing.length} file(s) are missing (${missing.slice(0, 3).join(", ")})`);
  const extra = present.filter((name) => name !== MANIFEST_FILE && !listed.has(name));
  if (extra.length > 0)
    throw badParameter(FIELD, `the backup is damaged: ${extra.length} file(s) are not in its manifest (${extra.slice(0, 3).join(", ")})`);
}

export async function readBackupFolder(
  storage: BackupStorage,
  location: BackupLocation,
  keys: FolderKeys,
  folder: string,
): Promise<VerifiedFolder> {
  const manifest = openManifest(keys, folder, await readManifest(storage, location, folder), FIELD);
  checkFileSet(manifest, await listFolder(storage, location, folder));
  let roles: BackedUpRoles | undefined;
  const backedUpKeys: BackedUpKey[] = [];
  for (const file of manifest.files) {
    const bytes = await storage.readBlob(location.storageAccount, location.container, `${folder}/${file.name}`);
    if (bytes.length !== file.size || createHash("sha256").update(bytes).digest("hex") !== file.sha256) {
      throw badParameter(FIELD, `the backup is damaged: file ${file.name} was changed`);
    }
    const opened = openFile(keys, folder, file.name, bytes);
    if (opened === undefined) throw badParameter(FIELD, `the backup is damaged: file ${file.name} failed its integrity check`);
    if (file.name === ROLES_FILE) roles = opened as BackedUpRoles;
    else backedUpKeys.push(...(opened as BackedUpKey[]));
  }
  if (roles === undefined || backedUpKeys.length !== manifest.keyCount)
    throw badParameter(FIELD, "the backup is damaged: its contents do not match its manifest");
  return { manifest, contents: { keys: backedUpKeys, roles } };
}
