/**
 * The audit outbox (src/store/change-records.ts) and the sink that drains it: a change and its record commit
 * together; a record the journal could not take waits in the outbox and reaches the journal exactly once, after a
 * heal or a restart; a call that fails after its commit is recorded as the failure it was.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_OPERATION_VERSION, AuditJournal, type AuditEventInput, type JournalFileOpener } from "../../src/audit/index.js";
import { openNodeJournalFile } from "../../src/audit/journal-file.js";
import { auditJournalPath } from "../../src/audit/paths.js";
import { KeyholdError } from "../../src/errors.js";
import { AuditSink } from "../../src/pipeline/audit-sink.js";
import { dataOperation } from "../../src/pipeline/operation.js";
import { ServingState } from "../../src/serving-state.js";
import { changeContext, openMemoryStore, openStore, type PendingChange, type Store } from "../../src/store/index.js";
import { nodeSigningKey, withTempDir } from "../audit/helpers.js";
import { journalEvents } from "../integration/write-clients.js";
import { securityCore } from "./helpers.js";

const HSM = "contoso-hsm";
const signingKey = nodeSigningKey();

function event(correlationId: string, resultType: "Success" | "Failure" = "Success"): AuditEventInput {
  return {
    time: new Date(),
    resourceId: "/hsm",
    operationName: "RoleAssignmentCreate",
    operationVersion: AUDIT_OPERATION_VERSION,
    resultType,
    resultSignature: resultType === "Success" ? "OK" : "NOT_FOUND",
    durationMs: 1,
    correlationId,
  };
}

/** What the pipeline puts in `changeContext` while a handler runs. */
function pendingChange(sink: AuditSink, correlationId: string): PendingChange & { id: number | undefined } {
  const change = {
    open: true,
    id: undefined as number | undefined,
    journal: HSM,
    nodeId: "node-1",
    event: () => JSON.stringify(event(correlationId)),
    attached(id: number) {
      change.id = id;
      sink.holdChange(id);
    },
  };
  return change;
}

/** A role assignment written as a call's change; returns the call's outbox row id. */
async function commitChange(store: Store, sink: AuditSink, correlationId: string): Promise<number> {
  const change = pendingChange(sink, correlationId);
  await changeContext.run(change, () => store.rbac.insertRoleAssignment("hsm-1", assignment(correlationId)));
  expect(change.id).toBeTypeOf("number");
  return change.id!;
}

/** A journal file whose writes fail while `broken.now` is true (a full disk that empties again). */
function breakable(): { opener: JournalFileOpener; broken: { now: boolean } } {
  const broken = { now: false };
  const opener: JournalFileOpener = async (path) => {
    const file = await openNodeJournalFile(path);
    return {
      ...file,
      size: () => file.size(),
      read: (position, length) => file.read(position, length),
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
      datasync: () => file.datasync(),
      write: async (data, position) => {
        if (broken.now) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        await file.write(data, position);
      },
    };
  };
  return { opener, broken };
}

function assignment(principalId: string) {
  const name = randomUUID();
  return { id: `/providers/Microsoft.Authorization/roleAssignments/${name}`, name, scope: "/", roleDefinitionId: "r", principalId };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("audit outbox", () => {
  it("commits a change's record with the change, and nothing for a write that changed no row", async () => {
    const store = await openMemoryStore();
    await withTempDir(async (dataDir) => {
      const sink = new AuditSink({
        dataDir,
        nodeId: "node-1",
        signingKey,
        outbox: store.auditOutbox,
        journal: { checkpointIntervalMs: 0 },
      });
      const id = await commitChange(store, sink, "c-1");
      expect((await store.auditOutbox.list(HSM, "node-1")).map((row) => row.id)).toEqual([id]);
      const idle = pendingChange(sink, "c-2");
      await changeContext.run(idle, () => store.rbac.deleteRoleAssignment("hsm-1", randomUUID()));
      expect(idle.id).toBeUndefined();
      // A failed transaction leaves neither the change nor its record.
      const failing = pendingChange(sink, "c-3");
      await expect(
        changeContext.run(failing, () =>
          store.transaction(async (tx) => {
            await tx.rbac.insertRoleAssignment("hsm-1", assignment("p"));
            throw new KeyholdError("BadParameter", "no");
          }),
        ),
      ).rejects.toThrow("no");
      expect(failing.id).toBeUndefined();
      expect(await store.auditOutbox.list(HSM, "node-1")).toHaveLength(1);
      await sink.recordChange(HSM, event("c-1"), id);
      await settle();
      expect(await store.auditOutbox.list(HSM, "node-1")).toEqual([]);
      await sink.close();
    });
    await store.close();
  });

  it("keeps a record the failing journal could not take, and appends it exactly once when the journal heals", async () => {
    const store = await openMemoryStore();
    await withTempDir(async (dataDir) => {
      const { opener, broken } = breakable();
      const serving = new ServingState();
      const sink = new AuditSink({
        dataDir,
        nodeId: "node-1",
        signingKey,
        outbox: store.auditOutbox,
        serving,
        retryIntervalMs: 20,
        journal: { checkpointIntervalMs: 0, openFile: opener },
      });
      await sink.record(HSM, event("before"));
      broken.now = true;
      const id = await commitChange(store, sink, "during");
      // The record is durable in the outbox: the committed change is acknowledged, not reported as failed.
      await expect(sink.recordChange(HSM, event("during"), id)).resolves.toBeUndefined();
      expect(serving.serving).toBe(false);
      expect(await sink.writable(HSM)).toBe(false);
      await expect(sink.record(HSM, event("refused"))).rejects.toMatchObject({ code: "Unavailable" });
      broken.now = false;
      // The retry timer heals it without any call.
      for (let i = 0; i < 100 && !serving.serving; i++) await new Promise((r) => setTimeout(r, 10));
      expect(serving.serving).toBe(true);
      await sink.record(HSM, event("after"));
      await settle();
      await sink.close();
      const events = await journalEvents(auditJournalPath(dataDir, HSM, "node-1"));
      expect(events.map((e) => e.correlationId)).toEqual(["before", "during", "after"]);
      expect(events[1]!.properties.changeId).toBe(String(id));
      expect(await store.auditOutbox.list(HSM, "node-1")).toEqual([]);
    });
    await store.close();
  });

  it("after a crash, appends the records the journal lacks and not those it already holds", async () => {
    await withTempDir(async (dataDir) => {
      const store = await openStore({ dataDir: join(dataDir, "store") });
      const crashed = new AuditSink({
        dataDir,
        nodeId: "node-1",
        signingKey,
        outbox: store.auditOutbox,
        journal: { checkpointIntervalMs: 0 },
      });
      const journaled = await commitChange(store, crashed, "journaled");
      const lost = await commitChange(store, crashed, "lost");
      // The crash: "journaled" reached its journal line but its row was not removed yet; "lost" reached neither.
      const journal = await AuditJournal.open({ path: auditJournalPath(dataDir, HSM, "node-1"), signingKey, checkpointIntervalMs: 0 });
      await journal.append({ ...event("journaled"), properties: { changeId: String(journaled) } });
      await journal.append(event("unrelated"));
      await journal.close();
      expect((await store.auditOutbox.list(HSM, "node-1")).map((row) => row.id)).toEqual([journaled, lost]);

      const restarted = new AuditSink({
        dataDir,
        nodeId: "node-1",
        signingKey,
        outbox: store.auditOutbox,
        journal: { checkpointIntervalMs: 0 },
      });
      await restarted.drainOutbox();
      await settle();
      await restarted.close();
      const events = await journalEvents(auditJournalPath(dataDir, HSM, "node-1"));
      expect(events.map((e) => e.correlationId)).toEqual(["journaled", "unrelated", "lost"]);
      expect(events[2]!.properties.changeId).toBe(String(lost));
      expect(await store.auditOutbox.list(HSM, "node-1")).toEqual([]);
      await store.close();
    });
  });

  it("records a call that failed after its commit as a failure, once, with its change id", async () => {
    const core = await securityCore();
    try {
      const operation = dataOperation({
        name: "RoleAssignmentCreate",
        dataAction: "roleAssignments/write/action",
        scope: () => "/",
        decode: () => ({}),
        async execute() {
          await core.store.rbac.insertRoleAssignment(core.hsm.id, assignment("p"));
          throw new KeyholdError("Conflict", "failed after the commit");
        },
      });
      const token = await core.token(core.admin);
      await expect(core.pipeline.dispatch(operation, {}, core.meta(token, { clientRequestId: "after-commit" }))).rejects.toMatchObject({
        code: "Conflict",
      });
      const records = (await core.events()).filter((e) => e.correlationId === "after-commit");
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ resultType: "Failure", properties: { errorCode: "Conflict" } });
      expect(records[0]!.properties.changeId).toMatch(/^\d+$/);
      await settle();
      expect(await core.store.auditOutbox.list(HSM, "node-1")).toEqual([]);
    } finally {
      await core.close();
    }
  });
});
