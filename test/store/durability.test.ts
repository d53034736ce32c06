import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, SQLITE_PRAGMAS, STORE_FILE_NAME } from "../../src/store/index.js";

const ACKNOWLEDGED_BEFORE_KILL = 300;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("durability", () => {
  it("keeps every acknowledged change after kill -9 of the writer", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-crash-"));
    dirs.push(dataDir);
    const setup = await openStore({ dataDir });
    const tenantId = crypto.randomUUID();
    await setup.directory.insertTenant({ id: tenantId, name: "crash", createdAt: Date.now() });
    await setup.close();

    const child = spawn(process.execPath, [new URL("./fixtures/crash-writer.mjs", import.meta.url).pathname], {
      env: {
        ...process.env,
        KEYHOLD_CRASH_SETUP: JSON.stringify({ file: join(dataDir, STORE_FILE_NAME), pragmas: SQLITE_PRAGMAS, tenantId }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acknowledged: string[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let pending = "";
      child.stdout.on("data", (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        acknowledged.push(...lines);
        if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`writer exited before the kill: ${stderr}`)));
    });
    expect(await exited).toBe("SIGKILL");

    const store = await openStore({ dataDir });
    try {
      const missing: string[] = [];
      for (const id of acknowledged) {
        if ((await store.directory.getPrincipal(tenantId, id)) === undefined) missing.push(id);
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_KILL);
      expect(missing).toEqual([]);
      expect(await store.generation()).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await store.close();
    }
  });
});
