import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import { AuditJournal, JOURNAL_UNAVAILABLE_MESSAGE } from "../../src/audit/journal.js";
import type { JournalRecord } from "../../src/audit/record.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { nodePublicKey, nodeSigningKey, sampleEvent, spyFile, withTempDir } from "./helpers.js";

async function rejection(promise: Promise<unknown>): Promise<KeyholdError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof KeyholdError)) throw new Error(`expected a KeyholdError, got ${String(error)}`);
  return error;
}

describe("fail closed", () => {
  it("rejects every append with Unavailable when the disk is full (/dev/full), and reports nothing durable", async () => {
    const journal = await AuditJournal.open({ path: "/dev/full", signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
    const durable: JournalRecord[] = [];
    journal.onDurable((records) => durable.push(...records));
    const errors = await Promise.all(Array.from({ length: 8 }, (_, index) => rejection(journal.append(sampleEvent(index)))));
    for (const error of errors) {
      expect(error.code).toBe("Unavailable");
      expect(error.message).toBe(JOURNAL_UNAVAILABLE_MESSAGE);
      expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOSPC");
    }
    expect((await rejection(journal.append(sampleEvent(9)))).code).toBe("Unavailable");
    expect(journal.failed).toBe(true);
    expect(journal.getStats()).toEqual({ records: 0, checkpoints: 0, syncs: 0 });
    await journal.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(durable).toEqual([]);
  });

  it("cuts a failed batch back off and refuses further appends until reopened", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const spy = spyFile();
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), openFile: spy.opener, checkpointIntervalMs: 0 });
      await Promise.all([0, 1, 2].map((index) => journal.append(sampleEvent(index))));
      const durableSize = (await stat(path)).size;

      spy.failNext("write", "ENOSPC");
      const failed = await Promise.all([3, 4, 5].map((index) => rejection(journal.append(sampleEvent(index)))));
      expect(failed.map((error) => error.code)).toEqual(["Unavailable", "Unavailable", "Unavailable"]);
      expect((await stat(path)).size).toBe(durableSize);
      expect((await rejection(journal.append(sampleEvent(6)))).code).toBe("Unavailable");
      await journal.close();
      expect(await verifyJournal(path, nodePublicKey())).toMatchObject({ ok: true, records: 3 });

      const reopened = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      expect((await reopened.append(sampleEvent(7))).seq).toBe(4);
      await reopened.close();
      expect(await verifyJournal(path, nodePublicKey())).toMatchObject({ ok: true, records: 4 });
    });
  });

  it("treats a failed fdatasync (EIO) as not durable even though the write went through", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const spy = spyFile();
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), openFile: spy.opener, checkpointIntervalMs: 0 });
      await journal.append(sampleEvent(0));
      spy.failNext("datasync", "EIO");
      expect((await rejection(journal.append(sampleEvent(1)))).code).toBe("Unavailable");
      const lines = (await readFile(path, "utf8")).trim().split("\n");
      expect(lines).toHaveLength(1);
      await journal.close();
    });
  });

  it("fails closed when the descriptor becomes unusable (EBADF)", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const spy = spyFile();
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), openFile: spy.opener, checkpointIntervalMs: 0 });
      spy.failNext("write", "EBADF");
      expect((await rejection(journal.append(sampleEvent(0)))).code).toBe("Unavailable");
      expect((await readFile(path, "utf8")).length).toBe(0);
      await journal.close();
    });
  });

  it("refuses events with unknown properties or byte content before writing anything", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      const unknown = { ...sampleEvent(0), properties: { keyName: "k", plaintext: "attack at dawn" } } as unknown as Parameters<
        typeof journal.append
      >[0];
      const bytes = { ...sampleEvent(1), properties: { keyName: Buffer.from("secret key bytes") } } as unknown as Parameters<
        typeof journal.append
      >[0];
      const unknownError = await rejection(journal.append(unknown));
      expect(unknownError).toMatchObject({ code: "BadParameter", field: "event.properties.plaintext" });
      expect(await rejection(journal.append(bytes))).toMatchObject({ code: "BadParameter", field: "event.properties.keyName" });
      await journal.close();
      expect((await readFile(path, "utf8")).length).toBe(0);
    });
  });
});
