/** The small file operations several parts need: atomic replacement, optional reads and directory syncs. */
import { randomBytes } from "node:crypto";
import { chmodSync, constants, readFileSync, renameSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";

/** Writes via a temporary file and rename, so readers see the old or the new file, never a partial one. */
export function writeFileAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, text, { mode });
  // The mode of writeFileSync is filtered by the umask; a key must be 0600 whatever the umask is.
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/** The file's text, or undefined when it does not exist. */
export function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** fsync(2) on a directory: a file created in it survives a crash only once this returns. */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
