/** The rows of the key tables as both stores read and write them, and their records. */
import type { KeyRecord, KeyVersionRecord } from "../key-records.js";
import { orUndefined } from "../nullable-column.js";

export interface KeyRow {
  hsm_id: string;
  name: string;
  state: "active" | "deleted";
  created_at: number;
  deleted_date: number | null;
  scheduled_purge_date: number | null;
  recovery_id: string | null;
  rotation_policy: string | null;
}

export interface VersionRow {
  hsm_id: string;
  name: string;
  version: string;
  seq: number;
  kty: string;
  key_ops: string;
  tags: string;
  enabled: number;
  nbf: number | null;
  exp: number | null;
  created: number;
  updated: number;
  public_jwk: string;
  sealed_private_jwk: Buffer;
}

export const keyFromRow = (row: KeyRow): KeyRecord => ({
  hsmId: row.hsm_id,
  name: row.name,
  state: row.state,
  createdAt: row.created_at,
  deletedDate: orUndefined(row.deleted_date),
  scheduledPurgeDate: orUndefined(row.scheduled_purge_date),
  recoveryId: orUndefined(row.recovery_id),
  rotationPolicy: orUndefined(row.rotation_policy),
});

// key_ops and tags are written by this repository only, as JSON of validated values.
export const versionFromRow = (row: VersionRow): KeyVersionRecord => ({
  hsmId: row.hsm_id,
  name: row.name,
  version: row.version,
  seq: row.seq,
  kty: row.kty,
  keyOps: JSON.parse(row.key_ops) as string[],
  tags: JSON.parse(row.tags) as Record<string, string>,
  enabled: row.enabled === 1,
  nbf: orUndefined(row.nbf),
  exp: orUndefined(row.exp),
  created: row.created,
  updated: row.updated,
  publicJwk: row.public_jwk,
  sealedPrivateJwk: new Uint8Array(row.sealed_private_jwk),
});

/** Key changes move the store generation through the tables' triggers (migration 6), for the data plane's caches. */
