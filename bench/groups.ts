/** Every benchmark group by name; `npm run bench` and `keyhold bench --all` run them. */
import { cpus } from "node:os";
import { runAuditJournalBench } from "./audit-journal.js";
import { runAuthzBench } from "./authz.js";
import { runConsistencyBench } from "./consistency.js";
import { runCryptoCoreBench } from "./crypto-core.js";
import { runPoolBench } from "./pool.js";
import { runRsaKernelBench } from "./rsa-kernels.js";
import { runTransportBench } from "./transport.js";

const BENCH_GROUPS: Readonly<Record<string, () => Promise<void>>> = Object.freeze({
  crypto: runCryptoCoreBench,
  kernels: runRsaKernelBench,
  pool: runPoolBench,
  authz: runAuthzBench,
  audit: runAuditJournalBench,
  transport: runTransportBench,
  consistency: runConsistencyBench,
});

/** Runs the named groups (all when none is named); throws on an unknown name. */
export async function runBenchGroups(names: readonly string[]): Promise<void> {
  const unknown = names.filter((name) => BENCH_GROUPS[name] === undefined);
  if (unknown.length > 0)
    throw new Error(`unknown benchmark group(s): ${unknown.join(", ")}; choose from ${Object.keys(BENCH_GROUPS).join(", ")}`);
  console.log(
    `keyhold bench on ${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}, OpenSSL ${process.versions.openssl}`,
  );
  for (const name of names.length > 0 ? names : Object.keys(BENCH_GROUPS)) {
    console.log(`\n=== ${name} ===`);
    await BENCH_GROUPS[name]!();
  }
}
