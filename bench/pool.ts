/**
 * Worker pool scaling: RSA-2048 PS256 sign through the pool with 1 and 2
 * workers at a fixed number of tasks in flight, and the pool's overhead per
 * task (a ping that does no cryptography). Figures, not tests.
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { CryptoPool, type PoolTask } from "../src/workers/pool.js";
import { RSA_FIXTURES } from "../test/helpers/keys.js";
import { BENCH_TIME_MS, inFlightRate, printRows } from "./harness.js";

const rsa2048 = RSA_FIXTURES[2048];
const DURATION_MS = BENCH_TIME_MS * 4;

/** Completed tasks per second with `inFlight` tasks always outstanding for `durationMs`. */
async function throughput(pool: CryptoPool, task: PoolTask, inFlight: number, durationMs: number): Promise<number> {
  return (await inFlightRate(() => pool.run(task), inFlight, durationMs)).perSecond;
}

export async function runPoolBench(): Promise<void> {
  const digest = new Uint8Array(createHash("sha256").update("pool bench").digest());
  const sign: PoolTask = { operation: "sign", keyRef: "bench/rsa2048/v1", algorithm: "PS256", data: digest };
  const ping: PoolTask = { operation: "ping", keyRef: "", algorithm: "", data: new Uint8Array(0) };
  const rows = [];
  let oneWorker = 0;
  for (const provider of ["native", "wasm"] as const) {
    for (const threads of [1, 2]) {
      const pool = await CryptoPool.start({ threads, providers: { rsa: provider, ec: "native" }, loadKey: async () => rsa2048 });
      await throughput(pool, sign, 16, 200);
      const rate = await throughput(pool, sign, 16, DURATION_MS);
      if (threads === 1) oneWorker = rate;
      rows.push({ name: `RSA-2048 PS256 sign [${provider}], ${threads} worker(s)`, opsPerSecond: rate, ratio: rate / oneWorker });
      if (provider === "native" && threads === 1) {
        const pings = await throughput(pool, ping, 1, DURATION_MS / 2);
        rows.push({ name: "ping (pool overhead, 1 in flight)", opsPerSecond: pings, ratio: undefined });
        console.log(`  pool overhead per task: ${(1e6 / pings).toFixed(1)} µs round trip`);
      }
      await pool.close();
    }
  }
  printRows("Worker pool scaling, 16 tasks in flight", rows, "1 worker of the same provider");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runPoolBench();
