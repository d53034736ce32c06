import { constants } from "node:fs";
import { appendFile, readdir, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { AuditJournal } from "../../src/audit/journal.js";
import { openNodeJournalFile } from "../../src/audit/journal-file.js";
import { isCheckpoint, parseRecordLine } from "../../src/audit/record.js";
import type { JournalRecord } from "../../src/audit/record.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { nodePublicKey, nodeSigningKey, sampleEvent, spyFile, withTempDir } from "./helpers.js";

describe("durability and group commit", () => {
  it("shares one fdatasync among appends that arrive while a flush is in flight", async () => {
    await withTempDir(async (dir) => {
      const spy = spyFile();
      const journal = await AuditJournal.open({
        path: join(dir, "n.jsonl"),
        signingKey: nodeSigningKey(),
        openFile: spy.opener,
        checkpointIntervalMs: 0,
      });
      const release = spy.holdSyncs();
      const first = journal.append(sampleEvent(0));
      let firstResolved = false;
      void first.then(() => {
        firstResolved = true;
      });
      await vi.waitFor(() => expect(spy.counts.datasyncs).toBe(1));
      await new Promise((resolve) => setImmediate(resolve));
      // Written but not yet synced: not durable, so not released.
      expect(firstResolved).toBe(false);
      const rest = Array.from({ length: 50 }, (_, index) => journal.append(sampleEvent(index + 1)));
      release();
      const records = await Promise.all([first, ...rest]);
      expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 51 }, (_, index) => index + 1));
      expect(spy.counts.datasyncs).toBe(2);
      expect(spy.counts.writes).toBe(2);
      expect(journal.getStats()).toEqual({ records: 51, checkpoints: 0, syncs: 2 });
      await journal.close();
    });
  });

  it("resolves 300 concurrent appends with far fewer syncs than records, and every record is on disk", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const spy = spyFile();
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), openFile: spy.opener, checkpointIntervalMs: 0 });
      const durable: JournalRecord[] = [];
      journal.onDurable((batch) => durable.push(...batch));
      let resolvedBeforeOnDisk = 0;
      const appends = Array.from({ length: 300 }, async (_, index) => {
        const record = await journal.append(sampleEvent(index));
        // When append resolves its line must already be in the file.
        const text = await readFile(path, "utf8");
        if (!text.includes(`"hash":"${record.hash}"`)) resolvedBeforeOnDisk += 1;
        return record;
      });
      const records = await Promise.all(appends);
      expect(resolvedBeforeOnDisk).toBe(0);
      expect(records).toHaveLength(300);
      expect(spy.counts.datasyncs).toBeLessThan(300);
      expect(spy.counts.datasyncs).toBe(journal.getStats().syncs);
      await vi.waitFor(() => expect(durable.filter((record) => !isCheckpoint(record))).toHaveLength(300));
      expect(durable.map((record) => record.seq)).toEqual(durable.map((_, index) => index + 1));
      await journal.close();
      expect((await verifyJournal(path, nodePublicKey())).ok).toBe(true);
    });
  });

  it("continues the chain after a reopen, and cuts off a torn last line that was never acknowledged", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const first = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      await Promise.all([0, 1, 2].map((index) => first.append(sampleEvent(index))));
      await first.close();
      const lines = (await readFile(path, "utf8")).trim().split("\n");
      const closeCheckpoint = parseRecordLine(lines.at(-1) ?? "");
      expect(closeCheckpoint !== undefined && isCheckpoint(closeCheckpoint)).toBe(true);

      // A crash in the middle of a write leaves half a line behind.
      const cleanSize = (await stat(path)).size;
      await appendFile(path, '{"seq":5,"prevHash":"00');
      const second = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      expect((await stat(path)).size).toBe(cleanSize);
      const next = await second.append(sampleEvent(3));
      expect(next.seq).toBe(5);
      expect(next.prevHash).toBe(closeCheckpoint?.hash);
      await second.close();
      expect(await verifyJournal(path, nodePublicKey())).toMatchObject({ ok: true, records: 4, checkpoints: 2 });
    });
  });

  it("writes a checkpoint when its interval passes with unsigned records", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const journal = await AuditJournal.open({
        path,
        signingKey: nodeSigningKey(),
        checkpointIntervalMs: 10,
        checkpointEveryRecords: 1000,
      });
      await journal.append(sampleEvent(0));
      await vi.waitFor(() => expect(journal.getStats().checkpoints).toBe(1));
      await journal.close();
      // Nothing arrived after the timed checkpoint, so close adds none.
      expect(await verifyJournal(path, nodePublicKey())).toMatchObject({ ok: true, records: 1, checkpoints: 1 });
    });
  });

  it("refuses to continue a journal whose last record is damaged", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      await journal.append(sampleEvent(0));
      await journal.close();
      const text = await readFile(path, "utf8");
      await appendFile(path, `${text.split("\n")[0]?.replace('"KeySign"', '"KeyDelete"')}\n`);
      await expect(AuditJournal.open({ path, signingKey: nodeSigningKey() })).rejects.toMatchObject({ code: "Unavailable" });
    });
  });

  // Linux shows a descriptor's open flags in /proc; elsewhere there is nothing to read them from.
  it.runIf(process.platform === "linux")(
    "writes each batch durably in one request: the journal file's descriptor is O_DSYNC and it offers writeDurably",
    async () => {
      await withTempDir(async (dir) => {
        const path = join(dir, "n.jsonl");
        const file = await openNodeJournalFile(path);
        try {
          let flags: number | undefined;
          for (const fd of await readdir("/proc/self/fd")) {
            const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
            if (target !== path) continue;
            const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8");
            flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? "", 8);
          }
          expect(flags).toBeDefined();
          expect((flags ?? 0) & constants.O_DSYNC).toBe(constants.O_DSYNC);
          expect(file.writeDurably).toBeTypeOf("function");
          await file.writeDurably?.(Buffer.from("line\n"), 0);
          expect(await readFile(path, "utf8")).toBe("line\n");
        } finally {
          await file.close();
        }
      });
    },
  );
});
