import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InlineWritePolicy } from "../../src/audit/inline-writes.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { openNodeJournalFile, type JournalFile, type JournalFileOpener } from "../../src/audit/journal-file.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { nodePublicKey, nodeSigningKey, sampleEvent, withTempDir } from "./helpers.js";

/** A clock the test moves. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let at = 1000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

describe("InlineWritePolicy", () => {
  it("writes inline while writes stay under the threshold, through the pool for the back-off after a slow one", () => {
    const clock = manualClock();
    const policy = new InlineWritePolicy({ thresholdMs: 1, backoffMs: 100, clock: clock.now });
    expect(policy.inline).toBe(true);
    policy.timed(() => clock.advance(0.4));
    expect(policy.inline).toBe(true);
    policy.timed(() => clock.advance(3));
    expect(policy.inline).toBe(false);
    clock.advance(99);
    expect(policy.inline).toBe(false);
    clock.advance(1);
    expect(policy.inline).toBe(true);
  });

  it("counts a write that threw, and rethrows it", () => {
    const clock = manualClock();
    const policy = new InlineWritePolicy({ thresholdMs: 1, backoffMs: 100, clock: clock.now });
    expect(() =>
      policy.timed(() => {
        clock.advance(5);
        throw new Error("EIO");
      }),
    ).toThrow("EIO");
    expect(policy.inline).toBe(false);
  });

  it("never writes inline with a threshold of 0", () => {
    expect(new InlineWritePolicy({ thresholdMs: 0, backoffMs: 0 }).inline).toBe(false);
  });
});

interface Recorder {
  readonly opener: JournalFileOpener;
  readonly calls: string[];
  /** How long each inline write takes on the test's clock, and an errno code to fail the next one with. */
  inlineMs: number;
  failNextInline: string | undefined;
}

/** The real file, with its two durable writes recorded and the inline one's duration and failure injected. */
function recorder(clock: { advance(ms: number): void }): Recorder {
  const state: Recorder = {
    calls: [],
    inlineMs: 0.1,
    failNextInline: undefined,
    opener: async (path) => {
      const file = await openNodeJournalFile(path);
      const wrapped: JournalFile = {
        size: () => file.size(),
        read: (position, length) => file.read(position, length),
        write: (data, position) => file.write(data, position),
        datasync: () => file.datasync(),
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
        writeDurably: async (data, position) => {
          state.calls.push("pool");
          await file.writeDurably?.(data, position);
        },
        writeDurablyNow: (data, position) => {
          state.calls.push("inline");
          clock.advance(state.inlineMs);
          const code = state.failNextInline;
          state.failNextInline = undefined;
          if (code !== undefined) {
            // A real ENOSPC may leave part of the group behind.
            file.writeDurablyNow?.(data.subarray(0, data.length >> 1), position);
            throw Object.assign(new Error(`${code}: injected`), { code });
          }
          file.writeDurablyNow?.(data, position);
        },
      };
      return wrapped;
    },
  };
  return state;
}

/** A journal on the recorded real file: inline under 1 ms on the test's clock, then the pool for 100 ms. */
async function openRecorded(path: string): Promise<{ clock: ReturnType<typeof manualClock>; file: Recorder; journal: AuditJournal }> {
  const clock = manualClock();
  const file = recorder(clock);
  const journal = await AuditJournal.open({
    path,
    signingKey: nodeSigningKey(),
    openFile: file.opener,
    checkpointIntervalMs: 0,
    inlineWrites: { thresholdMs: 1, backoffMs: 100, clock: clock.now },
  });
  return { clock, file, journal };
}

describe("the journal's inline writes", () => {
  it("writes groups inline on a fast disk, each on disk when its appends resolve", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const { file, journal } = await openRecorded(path);
      for (let group = 0; group < 3; group++) {
        const records = await Promise.all(Array.from({ length: 5 }, (_, i) => journal.append(sampleEvent(group * 5 + i))));
        const text = await readFile(path, "utf8");
        for (const record of records) expect(text).toContain(`"hash":"${record.hash}"`);
      }
      expect(file.calls).toEqual(["inline", "inline", "inline"]);
      await journal.close();
      expect((await verifyJournal(path, nodePublicKey())).ok).toBe(true);
    });
  });

  it("goes through the pool after a slow inline write, and inline again after the back-off", async () => {
    await withTempDir(async (dir) => {
      const { clock, file, journal } = await openRecorded(join(dir, "n.jsonl"));
      file.inlineMs = 5;
      await journal.append(sampleEvent(0));
      await journal.append(sampleEvent(1));
      await journal.append(sampleEvent(2));
      clock.advance(100);
      file.inlineMs = 0.1;
      await journal.append(sampleEvent(3));
      expect(file.calls).toEqual(["inline", "pool", "pool", "inline"]);
      await journal.close();
    });
  });

  it("fails closed when an inline write fails: the group is refused and the file keeps only acknowledged lines", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "n.jsonl");
      const { file, journal } = await openRecorded(path);
      await journal.append(sampleEvent(0));
      const acknowledged = (await stat(path)).size;
      file.failNextInline = "ENOSPC";
      const refused = await Promise.allSettled([journal.append(sampleEvent(1)), journal.append(sampleEvent(2))]);
      expect(refused.map((result) => result.status)).toEqual(["rejected", "rejected"]);
      for (const result of refused) expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "Unavailable" });
      expect(journal.failed).toBe(true);
      await expect(journal.append(sampleEvent(3))).rejects.toMatchObject({ code: "Unavailable" });
      expect((await stat(path)).size).toBe(acknowledged);
      await journal.close();
      expect((await verifyJournal(path, nodePublicKey())).ok).toBe(true);
    });
  });
});
