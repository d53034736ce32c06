/**
 * Consistency across nodes for the activation of an HSM declared in configuration (SPEC section 14, issue 13): two
 * nodes on one PostgreSQL database. A restore in progress started through node 1 (Restoring) makes node 2's next
 * data-plane call fail as node 1's does, and both serve again once it ends, also when a node that starts fails the
 * restore job of a node that died.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createKey, outcome, sign, twoNodesAndUser, type Caller } from "./node-calls.js";
import type { PgCluster } from "./pg-cluster.js";
import { jobInProgress } from "../helpers/backup-job-record.js";

const clusters: PgCluster[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.close();
});

describe("nodes on one PostgreSQL database and an HSM declared in configuration", () => {
  it("refuse writes on every node while one node restores it, and serve again when the restore ends or its node died", async () => {
    const { cluster, first, second, token } = await twoNodesAndUser(clusters, ["hsm-a"]);
    const writer: Caller = { token, hsm: "hsm-a" };
    const hsmId = (await first.node.hsms.resolve("hsm-a")).id;
    // Node 2's caches are warm with the HSM Activated.
    expect(await outcome(createKey(second, writer, "before"))).toBe("ok");

    // What a restore does on node 1 (src/hsm/backup/backup-jobs.ts) once it has verified the backup folder.
    await first.node.hsms.setRestoring(hsmId, true);
    const refusedByFirst = await outcome(createKey(first, writer, "during-1"));
    expect(refusedByFirst).toMatchObject({ code: 9, errorCode: "OperationNotAllowed" });
    expect(await outcome(createKey(second, writer, "during-2"))).toEqual(refusedByFirst);
    expect(await outcome(sign(second, writer, "before"))).toMatchObject({ code: 9, errorCode: "OperationNotAllowed" });

    await first.node.hsms.setRestoring(hsmId, false);
    expect(await outcome(createKey(second, writer, "after"))).toBe("ok");
    expect(await outcome(sign(second, writer, "before"))).toBe("ok");

    // A node died during a restore: its job's lease runs out, and the next node to start fails the job and lifts the
    // mark, for every node.
    await first.node.store.backupJobs.insert(
      jobInProgress(hsmId, "restore", { id: randomUUID().replaceAll("-", ""), startedAt: Date.now() }),
      { holder: "node-gone", leaseMs: 1 },
    );
    await first.node.hsms.setRestoring(hsmId, true);
    expect(await outcome(createKey(second, writer, "stuck"))).toEqual(refusedByFirst);
    const third = await cluster.addNode();
    for (const node of [first, second, third]) expect(await outcome(sign(node, writer, "before"))).toBe("ok");
  });
});
