/**
 * Order and continuation of blob listings. Azure orders blobs by the bytes of
 * their UTF-8 names (not by UTF-16 code units, which differ for characters
 * beyond U+FFFF), and its `NextMarker` is opaque: ours is the last name of the
 * previous page, base64url-encoded so nobody mistakes it for a prefix.
 */
import { badParameter } from "../../errors.js";
import { MAX_BLOB_NAME_LENGTH } from "../../arm/storage-names.js";

export function encodeListMarker(lastName: string): string {
  return Buffer.from(lastName, "utf8").toString("base64url");
}

export function decodeListMarker(marker: unknown): string {
  const problem = "must be the nextMarker of a previous listing";
  if (typeof marker !== "string" || !/^[A-Za-z0-9_-]+$/.test(marker)) throw badParameter("marker", problem);
  const name = Buffer.from(marker, "base64url").toString("utf8");
  if (name.length === 0 || name.length > MAX_BLOB_NAME_LENGTH || encodeListMarker(name) !== marker) {
    throw badParameter("marker", problem);
  }
  return name;
}

/** The names in listing order, only those after `marker` when one is given. */
export function sortedBlobNames(names: readonly string[], marker?: string): string[] {
  const after = marker === undefined ? undefined : Buffer.from(marker, "utf8");
  return names
    .map((name) => ({ name, bytes: Buffer.from(name, "utf8") }))
    .filter(({ bytes }) => after === undefined || Buffer.compare(bytes, after) > 0)
    .sort((left, right) => Buffer.compare(left.bytes, right.bytes))
    .map(({ name }) => name);
}
