/**
 * Writes a backup folder: the role file, the key files (KEYS_PER_FILE keys
 * each, so 5,000 keys make 50 files rather than 5,000 fsyncs), then the
 * manifest. Every file is synced before the next, and the manifest is last,
 * so a folder with a manifest is complete and a crash leaves one without.
 */
import { KeyholdError } from "../../errors.js";
import type { HsmContents } from "./contents.js";
import { sealFile, type FolderKeys } from "./folder-keys.js";
import { describeFile, MANIFEST_FILE, signManifest, type ManifestFile } from "./manifest.js";
import { listFolder, type BackupLocation, type BackupStorage } from "./storage.js";

export const ROLES_FILE = "roles.bin";
const KEYS_PER_FILE = 100;

function keysFileName(index: number): string {
  return `keys-${String(index + 1).padStart(5, "0")}.bin`;
}

export interface FolderOrigin {
  readonly folder: string;
  readonly hsmId: string;
  readonly hsmName: string;
  readonly createdAt: Date;
}

export async function writeBackupFolder(
  storage: BackupStorage,
  location: BackupLocation,
  keys: FolderKeys,
  origin: FolderOrigin,
  contents: HsmContents,
): Promise<void> {
  const { folder } = origin;
  if ((await listFolder(storage, location, folder)).length > 0) {
    throw new KeyholdError(
      "Conflict",
      `Folder ${folder} already exists in container ${location.container}; start the backup again in a second.`,
    );
  }
  const files: ManifestFile[] = [];
  const write = async (name: string, bytes: Uint8Array): Promise<void> => {
    await storage.appendBlob(location.storageAccount, location.container, `${folder}/${name}`, bytes, { sync: true });
    if (name !== MANIFEST_FILE) files.push(describeFile(name, bytes));
  };
  await write(ROLES_FILE, sealFile(keys, folder, ROLES_FILE, contents.roles));
  for (let start = 0, index = 0; start < contents.keys.length; start += KEYS_PER_FILE, index++) {
    const name = keysFileName(index);
    await write(name, sealFile(keys, folder, name, contents.keys.slice(start, start + KEYS_PER_FILE)));
  }
  const manifest = signManifest(keys, {
    folder,
    hsmId: origin.hsmId,
    hsmName: origin.hsmName,
    createdAt: origin.createdAt.toISOString(),
    keyCount: contents.keys.length,
    files,
  });
  await write(MANIFEST_FILE, manifest);
}
