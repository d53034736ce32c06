/**
 * What the consistency check costs a node (SPEC section 14): the store-generation read that proves a node's caches
 * current, per call, on this process's CPU (user + system, from process.cpuUsage) and in wall time. A call makes
 * at most one read, shared by the calls waiting in the same turn of the event loop (src/store/generation-reads.ts). PostgreSQL is a database of its own on
 * KEYHOLD_BENCH_POSTGRES_URL (default the local server), dropped afterwards; SQLite is a file in a temporary dir.
 * The database server's own CPU is not counted. Figures, not tests.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { HsmDomains, openNodeSeal } from "../src/hsm/keys/index.js";
import { StoreHsmRegistry } from "../src/management/index.js";
import { loadConfig } from "../src/config/index.js";
import { hsmRuntime } from "../src/server/hsm-bootstrap.js";
import { changeContext, openPostgresStore, openStore, type PendingChange, type Store } from "../src/store/index.js";

const CALLS = Number(process.env["BENCH_CONSISTENCY_CALLS"] ?? 4000);
const CONCURRENT = 16;

interface Cost {
  readonly cpuMicros: number;
  readonly wallMicros: number;
}

/** What the pipeline puts in a call's context from its start to its result (the generation read is kept there). */
function callInFlight(): PendingChange {
  return { open: false, inFlight: true, id: undefined, journal: "bench", nodeId: "bench", event: () => "{}", attached: () => undefined };
}

/**
 * `CALLS` calls, each checking the generation as the pipeline does: by `callers` clients that each wait for their
 * last call before the next (so calls arrive at different times, as from separate connections), or in batches that
 * arrive together.
 */
async function measure(check: () => Promise<unknown>, shape: { readonly callers: number; readonly together: boolean }): Promise<Cost> {
  const call = (): Promise<unknown> => changeContext.run(callInFlight(), check);
  for (let i = 0; i < 200; i++) await call();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  if (shape.together) {
    for (let done = 0; done < CALLS; done += shape.callers) await Promise.all(Array.from({ length: shape.callers }, call));
  } else {
    const client = async (): Promise<void> => {
      for (let i = 0; i < CALLS / shape.callers; i++) await call();
    };
    await Promise.all(Array.from({ length: shape.callers }, client));
  }
  const used = process.cpuUsage(cpu);
  return { cpuMicros: (used.user + used.system) / CALLS, wallMicros: Number(process.hrtime.bigint() - wall) / 1000 / CALLS };
}

const SHAPES = [
  { label: "1 client", callers: 1, together: false },
  { label: `${CONCURRENT} clients`, callers: CONCURRENT, together: false },
  { label: `${CONCURRENT} calls together`, callers: CONCURRENT, together: true },
] as const;

/** An HSM declared in configuration (`hsms: [{ name: bench }]`), whose activation and domain secret the store keeps. */
const CONFIGURED = hsmRuntime(
  loadConfig({ overrides: { hsms: [{ name: "bench", initialAdminObjectIds: ["admin"] }] } }).hsms[0]!,
  "bench",
  "bench.test",
);

/**
 * The generation check alone, then with what a call that creates or opens a key also asks of it: the configured
 * HSM's stored activation and the HSM's domain keys (each proven current by the same read, src/store/generation-cache.ts).
 */
async function report(name: string, store: Store, dataDir: string): Promise<void> {
  const registry = new StoreHsmRegistry({ store, configured: [CONFIGURED] });
  const domains = new HsmDomains(store, openNodeSeal({ dataDir, passphrase: undefined }));
  await domains.get(CONFIGURED.id);
  const checks = [
    { label: "generation", check: () => store.generation() },
    { label: "+ HSM, domain", check: async () => domains.get((await registry.resolve(CONFIGURED.name)).id) },
  ];
  for (const { label, check } of checks) {
    for (const shape of SHAPES) {
      const cost = await measure(check, shape);
      console.log(
        `${name.padEnd(9)} ${label.padEnd(14)} ${shape.label.padEnd(18)} ${cost.cpuMicros.toFixed(1).padStart(6)} us CPU per call, ` +
          `${cost.wallMicros.toFixed(1).padStart(7)} us wall per call`,
      );
    }
  }
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const server = process.env["KEYHOLD_BENCH_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `keyhold_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    try {
      return await fn(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

export async function runConsistencyBench(): Promise<void> {
  console.log(`the generation check of ${CALLS} calls (at most one read per call; the calls of one turn share it)`);
  const dataDir = mkdtempSync(join(tmpdir(), "keyhold-bench-"));
  try {
    const sqlite = await openStore({ dataDir });
    await report("sqlite", sqlite, dataDir);
    await sqlite.close();
    await withDatabase(async (url) => {
      const postgres = await openPostgresStore({ url, poolSize: 4 });
      try {
        await report("postgres", postgres, dataDir);
      } finally {
        await postgres.close();
      }
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
