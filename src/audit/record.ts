/**
 * The lines of a journal file. Every line is one JSON record, chained:
 *   { seq, prevHash, event, hash }                         an audited request
 *   { seq, prevHash, checkpoint, hash, signature }         a node-signed checkpoint
 * `seq` counts lines from 1; `hash` = SHA-256 (hex) of the RFC 8785 canonical
 * JSON of { seq, prevHash, event | checkpoint }; `prevHash` is the previous
 * line's hash, or GENESIS_HASH on line 1.
 */
import { hash as oneShotHash } from "node:crypto";
import { isRecord } from "../is-record.js";
import { canonicalJson } from "./canonical.js";
import type { CanonicalValue } from "./canonical.js";
import type { AuditEvent } from "./event.js";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditRecord {
  readonly seq: number;
  readonly prevHash: string;
  readonly event: AuditEvent;
  readonly hash: string;
}

export interface CheckpointPublicKey {
  readonly kty: "EC";
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
}

export interface CheckpointBody {
  readonly time: string;
  readonly algorithm: "ES256";
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of `publicKey`. */
  readonly keyThumbprint: string;
  readonly publicKey: CheckpointPublicKey;
}

export interface CheckpointRecord {
  readonly seq: number;
  readonly prevHash: string;
  readonly checkpoint: CheckpointBody;
  readonly hash: string;
  /** ES256 (r || s, base64url, RFC 7518 section 3.4) over the hashed canonical bytes. */
  readonly signature: string;
}

export type JournalRecord = AuditRecord | CheckpointRecord;

export function isCheckpoint(record: JournalRecord): record is CheckpointRecord {
  return "checkpoint" in record;
}

/** The bytes that are hashed (and, for a checkpoint, signed). */
export function hashedBytes(seq: number, prevHash: string, body: { event: AuditEvent } | { checkpoint: CheckpointBody }): Buffer {
  // Members in sorted order ("checkpoint" and "event" sort before "prevHash"), for canonicalJson's fast path.
  return Buffer.from(canonicalJson({ ...body, prevHash, seq } as unknown as CanonicalValue), "utf8");
}

/** SHA-256 in hex of bytes, or of a string's UTF-8; one-shot, no Hash object per record. */
export function sha256Hex(data: Uint8Array | string): string {
  return oneShotHash("sha256", data, "hex");
}

export function recordHash(record: JournalRecord): string {
  const body = isCheckpoint(record) ? { checkpoint: record.checkpoint } : { event: record.event };
  return sha256Hex(hashedBytes(record.seq, record.prevHash, body));
}

export function encodeRecordLine(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * An event's record and its line, serializing the event once: the hashed bytes and the line both embed the same
 * canonical JSON of the event (the members of both wrappers are written in the orders `hashedBytes` and
 * `encodeRecordLine` use: sorted for the hash, seq-prevHash-event-hash for the line). `seq` is an integer and
 * `prevHash` hex, so neither needs escaping.
 */
export function eventRecordLine(seq: number, prevHash: string, event: AuditEvent): { record: AuditRecord; line: string } {
  const eventJson = canonicalJson(event as unknown as CanonicalValue);
  const hash = sha256Hex(`{"event":${eventJson},"prevHash":"${prevHash}","seq":${seq}}`);
  return {
    record: { seq, prevHash, event, hash },
    line: `{"seq":${seq},"prevHash":"${prevHash}","event":${eventJson},"hash":"${hash}"}\n`,
  };
}

const HEX_256 = /^[0-9a-f]{64}$/;

/** Parses one line; returns undefined when it is not a well-formed record. */
export function parseRecordLine(text: string): JournalRecord | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(record)) return undefined;
  const { seq, prevHash, hash } = record;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof prevHash !== "string" || !HEX_256.test(prevHash)) return undefined;
  if (typeof hash !== "string" || !HEX_256.test(hash)) return undefined;
  const hasEvent = isRecord(record["event"]);
  const hasCheckpoint = isRecord(record["checkpoint"]);
  if (hasEvent === hasCheckpoint) return undefined;
  if (hasCheckpoint && typeof record["signature"] !== "string") return undefined;
  return record as unknown as JournalRecord;
}
