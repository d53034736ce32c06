/**
 * Several processes opening one fresh SQLite file at once (the nodes of `serve --processes N`, or a node and a CLI
 * command) all open it: each migration is applied once, and none fails on a table another process just created.
 * Runs the built store (dist/), as the nodes do; `npm run build` must have run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { STORE_FILE_NAME } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";

const STORE_MODULE = resolve(import.meta.dirname, "../../dist/src/store/index.js");
// Twelve at once: before pragmas.ts retried a busy pragma, about one opener in a hundred (twelve at a time) lost the
// race to switch the new file to WAL and failed with SQLITE_BUSY.
const PROCESSES = 12;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Opener {
  /** Resolves once the process has loaded the store module. */
  readonly loaded: Promise<void>;
  go(): void;
  readonly done: Promise<{ code: number | null; stderr: string }>;
}

/** A process that loads the store, waits for `go` on stdin (so all open together), opens the store and closes it. */
function opener(dataDir: string): Opener {
  const script = `
    const { openStore } = await import(${JSON.stringify(STORE_MODULE)});
    process.stdin.once("data", async () => { const store = await openStore({ dataDir: ${JSON.stringify(dataDir)} }); await store.close(); });
    process.stdout.write("loaded\\n");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    loaded: new Promise((loaded) => child.stdout.once("data", () => loaded())),
    go: () => child.stdin.end("go\n"),
    done: new Promise((done) => child.on("exit", (code) => done({ code, stderr }))),
  };
}

describe("SQLite migrations", () => {
  it("are applied once when several processes open a new store at the same moment", async () => {
    expect(existsSync(STORE_MODULE), `${STORE_MODULE} is missing: run \`npm run build\` first`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-migrate-"));
    dirs.push(dataDir);
    const openers = Array.from({ length: PROCESSES }, () => opener(dataDir));
    await Promise.race([Promise.all(openers.map((process) => process.loaded)), Promise.all(openers.map((process) => process.done))]);
    for (const process of openers) process.go();
    const results = await Promise.all(openers.map((process) => process.done));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const db = new Database(join(dataDir, STORE_FILE_NAME), { readonly: true });
    const versions = (db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map(
      (row) => row.version,
    );
    db.close();
    expect(versions).toEqual(MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b));
  });
});
