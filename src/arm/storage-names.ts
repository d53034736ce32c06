/**
 * The names a storage account is addressed by. Account and container names
 * follow Azure's rules; blob names become file paths under the container's
 * directory, so anything that could step outside it (`..`, absolute paths,
 * NUL, backslashes) or that the file system would silently rewrite (empty and
 * `.` segments) is refused rather than normalized.
 */
import { badParameter } from "../errors.js";

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
// Azure: 3-63 characters, lowercase letters, digits and hyphens, starting and
// ending with a letter or digit, never two hyphens in a row.
const CONTAINER_NAME = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

/** Azure's limits on a blob name: 1024 characters and 254 path segments. */
export const MAX_BLOB_NAME_LENGTH = 1024;
const MAX_BLOB_SEGMENTS = 254;
/** NAME_MAX of Linux file systems: one segment is one directory entry. */
const MAX_SEGMENT_BYTES = 255;

export function checkAccountName(name: unknown, field = "name"): string {
  if (typeof name !== "string" || !ACCOUNT_NAME.test(name)) {
    throw badParameter(field, "a storage account name is 3 to 24 lowercase letters and digits");
  }
  return name;
}

export function checkContainerName(name: unknown, field = "container"): string {
  if (typeof name !== "string" || !CONTAINER_NAME.test(name)) {
    throw badParameter(
      field,
      "a container name is 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    );
  }
  return name;
}

/** Returns the blob name's '/'-separated segments, each safe as one directory entry. */
export function blobNameSegments(name: unknown, field = "blob"): readonly string[] {
  if (typeof name !== "string" || name.length === 0) throw badParameter(field, "must be a non-empty string");
  if (name.length > MAX_BLOB_NAME_LENGTH) throw badParameter(field, `must be at most ${MAX_BLOB_NAME_LENGTH} characters`);
  if (name.includes("\0")) throw badParameter(field, "must not contain NUL characters");
  if (name.includes("\\")) throw badParameter(field, "must not contain backslashes; separate path segments with '/'");
  if (name.startsWith("/")) throw badParameter(field, "must be a relative path inside the container, not an absolute one");
  const segments = name.split("/");
  if (segments.length > MAX_BLOB_SEGMENTS) throw badParameter(field, `must have at most ${MAX_BLOB_SEGMENTS} path segments`);
  for (const segment of segments) {
    if (segment.length === 0) throw badParameter(field, "must not have empty path segments (a trailing or doubled '/')");
    if (segment === "." || segment === "..") throw badParameter(field, "must not contain '.' or '..' path segments");
    if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
      throw badParameter(field, `each path segment must be at most ${MAX_SEGMENT_BYTES} bytes of UTF-8`);
    }
  }
  return segments;
}
