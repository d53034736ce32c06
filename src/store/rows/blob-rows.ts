/** The rows of the storage blob and seal tables as both stores read them, and their records. */
import type { SealRecord, StoredBlobItem } from "../store.js";

export interface BlobItemRow {
  name: string;
  size: number;
  modified_at: number;
}

export const blobItemFromRow = (row: BlobItemRow): StoredBlobItem => ({
  name: row.name,
  size: Number(row.size),
  modifiedAt: row.modified_at,
});

export interface SealRow {
  kind: SealRecord["kind"];
  kdf: string | null;
  check_value: Uint8Array;
  created_at: number;
}

export const sealFromRow = (row: SealRow): SealRecord => ({
  kind: row.kind,
  kdf: row.kdf ?? undefined,
  check: new Uint8Array(row.check_value),
  createdAt: row.created_at,
});
