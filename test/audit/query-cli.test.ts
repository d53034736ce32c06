import { readFile, stat, writeFile } from "node:fs/promises";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { auditQuery, auditTail, auditVerify, parseSince, registerAuditCommands } from "../../src/cli/audit.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { auditJournalPath } from "../../src/audit/paths.js";
import { followJournal, queryJournal, tailJournal } from "../../src/audit/query.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { nodeSigningKey, sampleEvent, withTempDir } from "./helpers.js";

const ALICE = { oid: "aaaaaaaa-0000-0000-0000-000000000001", upn: "alice@contoso.test", tid: "t" };
const APP = { oid: "bbbbbbbb-0000-0000-0000-000000000002", appid: "cccccccc-0000-0000-0000-000000000003", tid: "t" };

/** node-a: 10 events at seconds 0,2,..,18; node-b: 10 at 1,3,..,19. Alice signs, the app decrypts, every third fails. */
async function writeJournals(dataDir: string): Promise<void> {
  for (const [node, offset] of [
    ["node-a", 0],
    ["node-b", 1],
  ] as const) {
    const journal = await AuditJournal.open({
      path: auditJournalPath(dataDir, "hsm1", node),
      signingKey: nodeSigningKey(),
      checkpointEveryRecords: 4,
      checkpointIntervalMs: 0,
    });
    for (let index = 0; index < 10; index += 1) {
      const second = index * 2 + offset;
      const byAlice = second % 2 === 0;
      await journal.append(
        sampleEvent(second, {
          operationName: byAlice ? "KeySign" : "KeyDecrypt",
          identity: byAlice ? ALICE : APP,
          resultType: second % 3 === 0 ? "Failure" : "Success",
          resultSignature: second % 3 === 0 ? "PERMISSION_DENIED" : "OK",
        }),
      );
    }
    await journal.close();
  }
}

const seconds = (records: readonly { time: string }[]): number[] => records.map((record) => new Date(record.time).getUTCSeconds());
const parseLines = (lines: readonly string[]): { time: string; seq: number; operationName: string }[] =>
  lines.map((line) => JSON.parse(line) as { time: string; seq: number; operationName: string });

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe("query and tail", () => {
  it("filters by since, principal, operation, result and limit", async () => {
    await withTempDir(async (dataDir) => {
      await writeJournals(dataDir);
      const path = auditJournalPath(dataDir, "hsm1", "node-a");
      const events = (records: AuditRecord[]): { time: string }[] => records.map((record) => record.event);
      expect(seconds(events(await queryJournal(path)))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      expect(seconds(events(await queryJournal(path, { since: new Date(Date.UTC(2026, 0, 1, 0, 0, 11)) })))).toEqual([12, 14, 16, 18]);
      expect(seconds(events(await queryJournal(path, { result: "Failure" })))).toEqual([0, 6, 12, 18]);
      expect(seconds(events(await queryJournal(path, { principal: "ALICE@contoso.test", limit: 2 })))).toEqual([0, 2]);
      expect(await queryJournal(path, { principal: APP.appid })).toEqual([]);
      expect(await queryJournal(path, { operation: "keydecrypt" })).toEqual([]);
      const tail = await tailJournal(path, 3);
      expect(seconds(events(tail.records))).toEqual([14, 16, 18]);
      expect(tail.records.map((record) => record.seq)).toEqual(tail.records.map((record) => record.seq).sort((a, b) => a - b));
    });
  });

  it("follows new records as they become durable", async () => {
    await withTempDir(async (dataDir) => {
      const path = auditJournalPath(dataDir, "hsm1", "node-a");
      const journal = await AuditJournal.open({ path, signingKey: nodeSigningKey(), checkpointIntervalMs: 0 });
      await journal.append(sampleEvent(0));
      // From the end of record 0: a follower that reads the size itself may read it after the appends below, which a
      // fast disk finishes before the follower's first stat.
      const startOffset = (await stat(path)).size;
      const controller = new AbortController();
      const seen: AuditRecord[] = [];
      const following = (async () => {
        for await (const record of followJournal(path, { pollIntervalMs: 5, signal: controller.signal, startOffset })) {
          seen.push(record);
          if (seen.length === 2) controller.abort();
        }
      })();
      await journal.append(sampleEvent(1));
      await journal.append(sampleEvent(2));
      await following;
      await journal.close();
      expect(seen.map((record) => record.event.correlationId)).toEqual(["corr-1", "corr-2"]);
    });
  });
});

describe("audit CLI functions", () => {
  it("verify prints one ok line per node journal, and a problem line with exit code 1 on damage", async () => {
    await withTempDir(async (dataDir) => {
      await writeJournals(dataDir);
      const out: string[] = [];
      expect(await auditVerify({ dataDir, hsmName: "hsm1" }, (line) => out.push(line))).toBe(0);
      expect(out).toHaveLength(2);
      expect(out[0]).toMatch(/^ok .*node-a\.jsonl: 10 records, 3 checkpoints/);

      const path = auditJournalPath(dataDir, "hsm1", "node-b");
      const lines = (await readFile(path, "utf8")).split("\n");
      lines.splice(2, 1);
      await writeFile(path, lines.join("\n"));
      const problems: string[] = [];
      expect(await auditVerify({ dataDir, hsmName: "hsm1", node: "node-b" }, (line) => problems.push(line))).toBe(1);
      expect(problems).toEqual([expect.stringMatching(/^PROBLEM .*node-b\.jsonl: line 3, record 3: removed: record 3 is missing/)]);

      const json: string[] = [];
      expect(await auditVerify({ dataDir, hsmName: "hsm1", node: "node-b", output: "json" }, (line) => json.push(line))).toBe(1);
      expect(JSON.parse(json[0] ?? "{}")).toMatchObject({ ok: false, problem: { kind: "removed", seq: 3, line: 3 } });
    });
  });

  it("query and tail merge the nodes' journals by time", async () => {
    await withTempDir(async (dataDir) => {
      await writeJournals(dataDir);
      const out: string[] = [];
      const now = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));
      await auditQuery({ dataDir, hsmName: "hsm1", since: "20s", operation: "KeyDecrypt", result: "success", now }, (line) =>
        out.push(line),
      );
      expect(seconds(parseLines(out))).toEqual([11, 13, 17, 19]);
      expect(parseLines(out).every((event) => event.operationName === "KeyDecrypt")).toBe(true);

      const tail: string[] = [];
      await auditTail({ dataDir, hsmName: "hsm1", count: 4 }, (line) => tail.push(line));
      expect(seconds(parseLines(tail))).toEqual([16, 17, 18, 19]);
    });
  });

  it("names the field for bad options and refuses a path-like HSM name", async () => {
    await withTempDir(async (dataDir) => {
      await writeJournals(dataDir);
      const sink = (): void => undefined;
      await expect(auditQuery({ dataDir, hsmName: "hsm1", result: "maybe" }, sink)).rejects.toMatchObject({
        code: "BadParameter",
        field: "result",
      });
      await expect(auditQuery({ dataDir, hsmName: "hsm1", since: "last tuesday" }, sink)).rejects.toMatchObject({ field: "since" });
      await expect(auditVerify({ dataDir, hsmName: "../etc" }, sink)).rejects.toMatchObject({ field: "hsm-name" });
      await expect(auditVerify({ dataDir, hsmName: "other" }, sink)).rejects.toMatchObject({ code: "NotFound" });
      expect(parseSince("2026-01-01T00:00:00Z", new Date()).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    });
  });

  it("registers verify, tail and query under `audit`, reading the global --data-dir", async () => {
    await withTempDir(async (dataDir) => {
      await writeJournals(dataDir);
      const program = new Command("keyhold").option("--data-dir <dir>").exitOverride();
      registerAuditCommands(program);
      const written: string[] = [];
      vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      await program.parseAsync(["--data-dir", dataDir, "audit", "query", "--hsm-name", "hsm1", "--principal", ALICE.oid, "--limit", "3"], {
        from: "user",
      });
      expect(seconds(parseLines(written.join("").trim().split("\n")))).toEqual([0, 2, 4]);
      written.length = 0;
      await program.parseAsync(["--data-dir", dataDir, "audit", "verify", "--hsm-name", "hsm1", "--output", "json"], { from: "user" });
      expect(
        written
          .join("")
          .trim()
          .split("\n")
          .map((line) => (JSON.parse(line) as { ok: boolean }).ok),
      ).toEqual([true, true]);
      expect(process.exitCode).toBe(0);
    });
  });
});
