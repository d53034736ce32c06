/**
 * Finds the blobs of one container directory whose names start with a prefix.
 * Only folders that can hold a match are entered, so listing one HSM's hour of
 * audit logs does not read every other HSM's folders. Symbolic links are
 * neither followed nor listed: a blob is a regular file inside the container.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export async function blobNamesUnder(containerDir: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (dir: string, folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // A folder removed by a concurrent delete simply has no blobs any more.
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const name = folder + entry.name;
      if (entry.isDirectory()) {
        const subfolder = `${name}/`;
        if (subfolder.startsWith(prefix) || prefix.startsWith(subfolder)) await walk(join(dir, entry.name), subfolder);
      } else if (entry.isFile() && name.startsWith(prefix)) {
        names.push(name);
      }
    }
  };
  await walk(containerDir, "");
  return names;
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
