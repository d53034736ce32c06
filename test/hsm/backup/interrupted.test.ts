import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BackupJobs } from "../../../src/hsm/backup/index.js";
import { openStore, type StoreRepositories } from "../../../src/store/index.js";
import { BlobStore } from "../../../src/management/index.js";
import { backupFixture, contentsOf, type BackupFixture } from "./helpers.js";
import { jobInProgress } from "../../helpers/backup-job-record.js";

let f: BackupFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe("an interrupted restore", () => {
  it("leaves the old contents, never a mix, when the restore transaction fails midway", async () => {
    f = await backupFixture();
    for (let i = 0; i < 5; i++) await f.call("KeyCreate", { name: `key-${i}`, kty: "EC", crv: "P-256" });
    const job = await f.run("BackupStart", {});
    for (let i = 0; i < 5; i++) await f.call("KeyRotate", { name: `key-${i}` });
    await f.call("KeyCreate", { name: "newer", kty: "EC", crv: "P-256" });
    const before = await contentsOf(f.store, f.core.hsm.id);

    // The third version written fails: by then the old keys are wiped and two backed-up versions are in.
    let inserted = 0;
    f.control.inject((tx: StoreRepositories) => ({
      ...tx,
      keys: {
        ...tx.keys,
        insertVersion: async (version) => {
          if (++inserted === 3) throw new Error("disk full");
          return tx.keys.insertVersion(version);
        },
      },
    }));
    const failed = await f.run("RestoreStart", { folder: job.folder });
    f.control.inject(undefined);

    expect(inserted).toBe(3);
    expect(failed).toMatchObject({ status: "Failed", error: { code: "InternalError" } });
    expect(await contentsOf(f.store, f.core.hsm.id)).toEqual(before);
    expect((await f.hsm(f.core.hsm.name)).activation).toBe("Activated");
    expect((await f.call<{ kid: string }>("KeyGet", { name: "newer" })).kid).toContain("/keys/newer/");
  });
});

describe("jobs across a restart", () => {
  it("marks a job found InProgress Failed (interrupted) and serves an HSM it left Restoring again", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-jobs-"));
    const running = jobInProgress("hsm-1", "restore");
    const first = await openStore({ dataDir });
    const lease = { holder: "node-1", leaseMs: 60_000 };
    await first.backupJobs.insert(running, lease);
    await expect(first.backupJobs.insert({ ...running, id: "1123456789abcdef0123456789abcdef" }, lease)).rejects.toMatchObject({
      code: "Conflict",
    });
    await first.close();

    const store = await openStore({ dataDir });
    const lifted: [string, boolean][] = [];
    const jobs = new BackupJobs({
      store,
      storage: new BlobStore(dataDir),
      domains: { get: () => Promise.reject(new Error("not used")) },
      restoring: { setRestoring: async (hsmId, on) => void lifted.push([hsmId, on]) },
      evictions: { evictPrefix: () => undefined },
      now: () => 5_000,
      holder: "node-1",
    });
    const recovered = await jobs.recoverInterrupted();
    expect(recovered.map((job) => job.id)).toEqual([running.id]);
    expect(lifted).toEqual([["hsm-1", false]]);
    const stored = await store.backupJobs.get("hsm-1", running.id);
    expect(stored).toMatchObject({ status: "Failed", endedAt: 5_000, error: { code: "InternalError" } });
    expect(stored?.error?.message).toContain("interrupted");
    // The slot is free again.
    await store.backupJobs.insert({ ...running, id: "2123456789abcdef0123456789abcdef" }, lease);
    expect(await jobs.recoverInterrupted()).toHaveLength(1);
    await store.close();
  });
});
