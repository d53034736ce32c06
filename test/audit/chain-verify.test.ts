import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointPublicKeyOf, makeCheckpoint } from "../../src/audit/checkpoint.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { hashedBytes, isCheckpoint, parseRecordLine, sha256Hex } from "../../src/audit/record.js";
import type { JournalRecord } from "../../src/audit/record.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { nodePublicKey, nodeSigningKey, sampleEvent, withTempDir } from "./helpers.js";

/** Writes 200 records from 200 concurrent callers, checkpoint every 50; returns the file's lines. */
async function writeJournal(path: string): Promise<string[]> {
  const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointEveryRecords: 50, checkpointIntervalMs: 0 });
  const records = await Promise.all(Array.from({ length: 200 }, (_, index) => journal.append(sampleEvent(index))));
  expect(new Set(records.map((record) => record.seq)).size).toBe(200);
  await journal.close();
  const text = await readFile(path, "utf8");
  return text.slice(0, -1).split("\n");
}

function parsed(lines: readonly string[]): JournalRecord[] {
  return lines.map((line) => {
    const record = parseRecordLine(line);
    if (record === undefined) throw new Error("unparseable test line");
    return record;
  });
}

/** Index of the first event line at or after `from` (lines are 0-based here, seq = index + 1). */
function eventLineAtOrAfter(lines: readonly string[], from: number): number {
  const records = parsed(lines);
  const index = records.findIndex((record, position) => position >= from && !isCheckpoint(record));
  if (index < 0) throw new Error("no event line");
  return index;
}

async function tampered(path: string, name: string, change: (lines: string[]) => string): Promise<string> {
  const copy = join(path, "..", `${name}.jsonl`);
  const lines = (await readFile(path, "utf8")).slice(0, -1).split("\n");
  await writeFile(copy, change(lines));
  return copy;
}

const joinLines = (lines: readonly string[]): string => `${lines.join("\n")}\n`;

describe("hash chain and verifyJournal", () => {
  it("verifies a journal written by many concurrent callers, with signed checkpoints", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "node-1.jsonl");
      const lines = await writeJournal(path);
      // 200 events + a checkpoint after every 50 events (the last one doubles as the close checkpoint).
      expect(lines).toHaveLength(204);
      const result = await verifyJournal(path, nodePublicKey());
      expect(result).toEqual({ ok: true, records: 200, checkpoints: 4, recordsAfterLastCheckpoint: 0, trustedKey: true });
      const records = parsed(lines);
      expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 204 }, (_, index) => index + 1));
      expect(records[0]?.prevHash).toBe("0".repeat(64));
    });
  });

  it("reports each kind of damage with the right seq and line", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "node-1.jsonl");
      const lines = await writeJournal(path);
      const trusted = nodePublicKey();

      const changedAt = eventLineAtOrAfter(lines, 36);
      const changed = await tampered(path, "changed", (copy) => {
        copy[changedAt] = (copy[changedAt] ?? "").replace('"KeySign"', '"KeySigm"');
        return joinLines(copy);
      });
      expect((await verifyJournal(changed, trusted)).problem).toMatchObject({ kind: "changed", seq: changedAt + 1, line: changedAt + 1 });

      const removedAt = eventLineAtOrAfter(lines, 79);
      const removed = await tampered(path, "removed", (copy) => joinLines(copy.filter((_, index) => index !== removedAt)));
      const removedResult = await verifyJournal(removed, trusted);
      expect(removedResult.ok).toBe(false);
      expect(removedResult.problem).toMatchObject({ kind: "removed", seq: removedAt + 1, line: removedAt + 1 });

      const swapAt = eventLineAtOrAfter(lines, 99);
      const reordered = await tampered(path, "reordered", (copy) => {
        const first = copy[swapAt] ?? "";
        copy[swapAt] = copy[swapAt + 1] ?? "";
        copy[swapAt + 1] = first;
        return joinLines(copy);
      });
      expect((await verifyJournal(reordered, trusted)).problem).toMatchObject({ kind: "reordered", seq: swapAt + 1, line: swapAt + 1 });

      const checkpointAt = parsed(lines).findIndex(isCheckpoint);
      const forged = await tampered(path, "forged", (copy) => {
        const record = JSON.parse(copy[checkpointAt] ?? "{}") as { signature: string };
        const signature = Buffer.from(record.signature, "base64url");
        signature[10] = (signature[10] ?? 0) ^ 0x01;
        copy[checkpointAt] = JSON.stringify({ ...record, signature: signature.toString("base64url") });
        return joinLines(copy);
      });
      expect((await verifyJournal(forged, trusted)).problem).toMatchObject({
        kind: "bad-checkpoint-signature",
        seq: checkpointAt + 1,
        line: checkpointAt + 1,
      });

      const truncated = await tampered(path, "truncated", (copy) => joinLines(copy).slice(0, -15));
      const truncatedResult = await verifyJournal(truncated, trusted);
      expect(truncatedResult.problem).toMatchObject({ kind: "truncated", seq: lines.length, line: lines.length });
      expect(truncatedResult.records).toBe(200);
    });
  });

  it("catches a record changed and re-hashed, at the record that was replaced", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "node-1.jsonl");
      const lines = await writeJournal(path);
      const at = eventLineAtOrAfter(lines, 10);
      const rehashed = await tampered(path, "rehashed", (copy) => {
        const record = parsed(copy)[at];
        if (record === undefined || isCheckpoint(record)) throw new Error("event expected");
        const event = { ...record.event, resultType: "Failure" as const };
        const hash = sha256Hex(hashedBytes(record.seq, record.prevHash, { event }));
        copy[at] = JSON.stringify({ ...record, event, hash });
        return joinLines(copy);
      });
      expect((await verifyJournal(rehashed)).problem).toMatchObject({ kind: "changed", seq: at + 1, line: at + 1 });
    });
  });

  it("tells a journal rewritten and re-signed by another key from the node's own", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "node-1.jsonl");
      const lines = await writeJournal(path);
      const { privateKey: forgerKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const forgerPublic = checkpointPublicKeyOf(forgerKey, "forgerKey");
      // The forger drops event 5 and rebuilds the whole chain and every checkpoint with their own key.
      const kept = parsed(lines).filter((_, index) => index !== 4);
      let prevHash = "0".repeat(64);
      const rewritten = kept.map((record, index) => {
        const seq = index + 1;
        const rebuilt: JournalRecord = isCheckpoint(record)
          ? makeCheckpoint(seq, prevHash, forgerKey, forgerPublic, new Date(record.checkpoint.time))
          : { seq, prevHash, event: record.event, hash: sha256Hex(hashedBytes(seq, prevHash, { event: record.event })) };
        prevHash = rebuilt.hash;
        return JSON.stringify(rebuilt);
      });
      const forged = join(dir, "forged.jsonl");
      await writeFile(forged, joinLines(rewritten));

      expect((await verifyJournal(forged)).ok).toBe(true);
      const pinned = await verifyJournal(forged, nodePublicKey());
      expect(pinned.problem?.kind).toBe("untrusted-checkpoint-key");
      expect(pinned.problem?.seq).toBe(50);
      // The genuine journal passes with the same pinned key.
      expect((await verifyJournal(path, createPublicKey(nodeSigningKey()))).ok).toBe(true);
    });
  });

  it("accepts an empty journal", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "empty.jsonl");
      await writeFile(path, "");
      expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 0, checkpoints: 0 });
    });
  });
});
