/**
 * Audit journal throughput with group commit: durable records per second at
 * concurrency 1, 16 and 256 (each "caller" appends, awaits durability, and
 * appends again), on a temporary directory of this machine's disk.
 *   node dist/bench/audit-journal.js
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AuditJournal } from "../src/audit/journal.js";
import { sampleEvent } from "../test/audit/helpers.js";

const CONCURRENCY = [1, 16, 256] as const;
const RECORDS_PER_RUN = 4096;
// At concurrency 1 every record is its own fdatasync; keep that run short.
const RECORDS_AT_CONCURRENCY_1 = 256;

interface Row {
  readonly concurrency: number;
  readonly records: number;
  readonly seconds: number;
  readonly syncs: number;
}

async function measure(dir: string, concurrency: number): Promise<Row> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const journal = await AuditJournal.open({ path: join(dir, `c${concurrency}.jsonl`), signingKey: privateKey, checkpointIntervalMs: 0 });
  const perCaller = Math.ceil((concurrency === 1 ? RECORDS_AT_CONCURRENCY_1 : RECORDS_PER_RUN) / concurrency);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = 0; index < perCaller; index += 1) await journal.append(sampleEvent(next++));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stats = journal.getStats();
  await journal.close();
  return { concurrency, records: stats.records, seconds, syncs: stats.syncs };
}

export async function runAuditJournalBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "keyhold-audit-bench-"));
  try {
    const rows: Row[] = [];
    for (const concurrency of CONCURRENCY) rows.push(await measure(dir, concurrency));
    console.log(`audit journal, group commit (${dir})`);
    console.log("concurrency    records   records/s   fdatasyncs   records/sync");
    for (const row of rows) {
      console.log(
        `${String(row.concurrency).padStart(11)}  ${String(row.records).padStart(9)}  ${Math.round(row.records / row.seconds)
          .toString()
          .padStart(10)}  ` + `${String(row.syncs).padStart(11)}  ${(row.records / row.syncs).toFixed(1).padStart(13)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAuditJournalBench();
}
