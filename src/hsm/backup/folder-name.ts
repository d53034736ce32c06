/**
 * Backup folder names, as Managed HSM writes them: `mhsm-<hsm name>-<YYYYMMDDHHmmss>`
 * in UTC (reference section 3.2). A folder name is also checked on the way in,
 * since it becomes part of blob names.
 */
import { badParameter } from "../../errors.js";

const FOLDER = /^mhsm-[a-zA-Z0-9-]{1,63}-\d{14}$/;

const two = (n: number): string => String(n).padStart(2, "0");

export function backupFolderName(hsmName: string, at: Date): string {
  const stamp = `${at.getUTCFullYear()}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
  return `mhsm-${hsmName}-${stamp}`;
}

export function folderNameParam(value: unknown, field = "folder"): string {
  if (typeof value !== "string" || !FOLDER.test(value)) {
    throw badParameter(field, "must be a backup folder name such as mhsm-<hsm name>-<YYYYMMDDHHmmss>");
  }
  return value;
}
