/** Writing PEM files so that a crash never leaves half a file and keys are never world-readable. */
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;

/** Writes via a temporary file and rename, so readers see the old or the new file, never a partial one. */
export function writeFileAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, text, { mode });
  // The mode of writeFileSync is filtered by the umask; the key must be 0600 whatever the umask is.
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
