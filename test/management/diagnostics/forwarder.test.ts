/**
 * DiagnosticForwarder against both stores (test/store/store-kinds.ts): SQLite with blobs as files (the cursor moves
 * after the synced append) and PostgreSQL with blobs in the store (append and cursor in one transaction). The journal
 * is a real AuditJournal (a checkpoint every two records); settings come from a list the test changes, with a
 * generation it moves, as the store's settings table moves the store's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AuditJournal } from "../../../src/audit/journal.js";
import { KeyholdError } from "../../../src/errors.js";
import { AUDIT_EVENT_CONTAINER } from "../../../src/management/diagnostics/azure-log-line.js";
import { fileDelivery, storeDelivery, type LogDelivery } from "../../../src/management/diagnostics/delivery.js";
import { DiagnosticForwarder } from "../../../src/management/diagnostics/forwarder.js";
import type { DiagnosticForwarderOptions, ForwarderLogger } from "../../../src/management/diagnostics/forwarder.js";
import { checkDiagnosticSetting, type DiagnosticSetting } from "../../../src/management/diagnostics/setting.js";
import { BlobStore, type BlobStorage } from "../../../src/management/storage/blob-store.js";
import { StoreBlobStore } from "../../../src/management/storage/store-blob-store.js";
import type { Store } from "../../../src/store/index.js";
import { nodeSigningKey, sampleEvent } from "../../audit/helpers.js";
import { STORE_KINDS, type StoreKind, type StorePlace } from "../../store/store-kinds.js";

const HSM_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ContosoResourceGroup/providers/Microsoft.KeyVault/managedHSMs/ContosoMHSM";
const HSM_BLOB_FOLDER =
  "resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/CONTOSORESOURCEGROUP/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/CONTOSOMHSM";
const HOUR_05 = `${HSM_BLOB_FOLDER}/y=2026/m=03/d=04/h=05/m=00/PT1H.json`;
const AZURE_FIELDS = [
  "time",
  "resourceId",
  "operationName",
  "operationVersion",
  "category",
  "resultType",
  "resultSignature",
  "resultDescription",
  "durationMs",
  "callerIpAddress",
  "correlationId",
  "identity",
  "properties",
];
/** Settings enabled at this time forward every event of these tests (they happen on 2026-03-04 from 05:00). */
const EARLY = Date.parse("2026-03-04T00:00:00.000Z");

/** How each store kind keeps blobs: files beside SQLite, the store itself with PostgreSQL (as a node does). */
const SETUPS: readonly {
  kind: StoreKind;
  blobs: (store: Store, dataDir: string) => BlobStorage;
  delivery: (store: Store, blobs: BlobStorage) => LogDelivery;
}[] = STORE_KINDS.map((kind) =>
  kind.name === "sqlite"
    ? { kind, blobs: (_store, dataDir) => new BlobStore(dataDir), delivery: (store, blobs) => fileDelivery(blobs, store.diagnosticCursors) }
    : { kind, blobs: (store) => new StoreBlobStore(store.blobs), delivery: (store) => storeDelivery(store) },
);

describe.each(SETUPS)("DiagnosticForwarder on $kind.name", (setup) => {
  let place: StorePlace;
  let store: Store;
  let dataDir: string;
  let blobs: BlobStorage;
  let journal: AuditJournal;
  let forwarders: DiagnosticForwarder[];
  let logged: { level: string; details: Record<string, unknown>; message: string }[];
  /** What the store would say: the settings and their generation. */
  let settings: DiagnosticSetting[];
  let generation: number;
  /** Each test is its own node with its own storage account, so cursors, claims and blobs never meet. */
  let test = 0;
  let nodeId: string;
  let account: string;
  /** "fail": deliveries reject as a full disk makes them; "hang": they wait until `release`. */
  let storage: { mode: "work" | "fail" | "hang"; release: () => void; deliveries: number };

  const logger: ForwarderLogger = {
    error: (details, message) => logged.push({ level: "error", details, message }),
    warn: (details, message) => logged.push({ level: "warn", details, message }),
  };

  beforeAll(async () => {
    place = await setup.kind.place();
    store = await place.open();
  });
  afterAll(async () => {
    await store.close();
    await setup.kind.dropAll();
  });

  beforeEach(async () => {
    test += 1;
    nodeId = `node-${test}`;
    account = `contosologs${test}`;
    dataDir = await mkdtemp(join(tmpdir(), "keyhold-diagnostics-"));
    blobs = setup.blobs(store, dataDir);
    await blobs.createAccount(account);
    journal = await AuditJournal.open({
      path: join(dataDir, "audit", "ContosoMHSM.jsonl"),
      signingKey: nodeSigningKey(),
      checkpointIntervalMs: 0,
      checkpointEveryRecords: 2,
    });
    logged = [];
    forwarders = [];
    settings = [];
    generation = 0;
    storage = { mode: "work", release: () => undefined, deliveries: 0 };
  });

  afterEach(async () => {
    for (const forwarder of forwarders) await forwarder.close();
    await journal.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function makeForwarder(overrides: Partial<DiagnosticForwarderOptions> = {}): DiagnosticForwarder {
    const delivery = setup.delivery(store, blobs);
    const forwarder = new DiagnosticForwarder({
      nodeId,
      store: { generation: async () => generation, diagnosticCursors: store.diagnosticCursors, workClaims: store.workClaims },
      settings: async () => settings,
      journals: { journal: (name) => (name === "ContosoMHSM" ? Promise.resolve(journal) : Promise.reject(new Error("no such HSM"))) },
      delivery: {
        async deliver(...args) {
          storage.deliveries += 1;
          if (storage.mode === "fail") throw new KeyholdError("Unavailable", "injected: disk full");
          if (storage.mode === "hang") await new Promise<void>((resolve) => (storage.release = resolve));
          return delivery.deliver(...args);
        },
      },
      now: () => new Date("2026-05-01T00:00:00.000Z"),
      logger,
      // Tests drive ticks with flush(); the timer only matters in the test that waits for it.
      flushIntervalMs: 60_000,
      retryIntervalMs: 0,
      ...overrides,
    });
    forwarders.push(forwarder);
    return forwarder;
  }

  function setting(overrides: Partial<DiagnosticSetting> = {}): DiagnosticSetting {
    return {
      hsmName: "ContosoMHSM",
      resourceId: HSM_ID,
      settingName: "MHSM-Diagnostics",
      storageAccount: account,
      auditEventEnabled: true,
      enabledAt: EARLY,
      ...overrides,
    };
  }

  /** Stores the settings, as a PUT or DELETE through any node does. */
  function saveSettings(...saved: DiagnosticSetting[]): void {
    settings = saved;
    generation += 1;
  }

  function append(iso: string, correlationId: string): Promise<unknown> {
    return journal.append(sampleEvent(0, { time: new Date(iso), resourceId: HSM_ID, correlationId }));
  }

  async function blobLines(name: string, blob: string): Promise<Record<string, unknown>[]> {
    const text = (await blobs.readBlob(name, AUDIT_EVENT_CONTAINER, blob)).toString("utf8");
    expect(text.endsWith("\n")).toBe(true);
    return text
      .split("\n")
      .slice(0, -1)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Every forwarded line's correlation id, blob by blob in name order. */
  async function correlationIds(name = account): Promise<string[]> {
    if (!(await blobs.listContainers(name)).includes(AUDIT_EVENT_CONTAINER)) return [];
    const ids: string[] = [];
    for (const { name: blob } of (await blobs.listBlobs(name, AUDIT_EVENT_CONTAINER)).value) {
      for (const line of await blobLines(name, blob)) ids.push(line["correlationId"] as string);
    }
    return ids;
  }

  it("appends each event of the setting's time on, as Azure writes it, to the blob of the event's UTC hour", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:06:07.890Z", "first");
    await append("2026-03-04T05:59:59.999Z", "second");
    await append("2026-03-04T06:00:00.000Z", "next-hour");
    await forwarder.flush();

    const listing = await blobs.listBlobs(account, AUDIT_EVENT_CONTAINER);
    expect(listing.value.map((item) => item.name)).toEqual([HOUR_05, `${HSM_BLOB_FOLDER}/y=2026/m=03/d=04/h=06/m=00/PT1H.json`]);
    const lines = await blobLines(account, HOUR_05);
    expect(lines.map((line) => line["correlationId"])).toEqual(["first", "second"]);
    const first = lines[0] as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(AZURE_FIELDS);
    expect(first).toMatchObject({
      time: "2026-03-04T05:06:07.890Z",
      resourceId: HSM_ID.toUpperCase(),
      operationName: "KeySign",
      category: "AuditEvent",
      resultType: "Success",
      resultSignature: "OK",
      durationMs: 1.25,
      callerIpAddress: "127.0.0.1",
      identity: { oid: "11111111-1111-1111-1111-111111111111", tid: "22222222-2222-2222-2222-222222222222" },
      properties: { keyName: "key-0", algorithm: "ES256" },
    });
    expect(forwarder.getStats()).toMatchObject({ deliveredLines: 3, failedAppends: 0, pendingBytes: 0, claimHeld: true });
  });

  it("forwards the events of calls that started once the setting was enabled, not the journal's history", async () => {
    await append("2026-03-04T05:00:00.000Z", "history");
    const forwarder = makeForwarder();
    saveSettings(setting({ enabledAt: Date.parse("2026-03-04T05:00:00.500Z") }));
    await forwarder.flush();
    await append("2026-03-04T05:00:00.400Z", "started-before");
    await append("2026-03-04T05:00:01.000Z", "after");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["after"]);
  });

  it("starts a destination added later at its own enabled time, while the first goes on", async () => {
    await blobs.createAccount(`${account}copy`);
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "before");
    await forwarder.flush();
    const copy = setting({
      settingName: "to-auditors",
      storageAccount: `${account}copy`,
      enabledAt: Date.parse("2026-03-04T05:00:00.500Z"),
    });
    saveSettings(setting(), copy);
    await append("2026-03-04T05:00:01Z", "after");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["before", "after"]);
    expect(await correlationIds(`${account}copy`)).toEqual(["after"]);
  });

  it("writes one append per blob per page, and reads a long backlog in bounded pages", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await Promise.all(Array.from({ length: 50 }, (_, index) => append("2026-03-04T05:00:00Z", `e${index}`)));
    await forwarder.flush();
    expect(storage.deliveries).toBe(1);

    const paged = makeForwarder({ nodeId: `${nodeId}-paged`, pageRecords: 7 });
    await blobs.createAccount(`${account}paged`);
    saveSettings(setting({ storageAccount: `${account}paged` }));
    storage.deliveries = 0;
    await paged.flush();
    // 50 events and 25 checkpoints, 7 records a page: 11 pages, each one append.
    expect(storage.deliveries).toBe(11);
    const expected = Array.from({ length: 50 }, (_, index) => `e${index}`);
    expect(await correlationIds()).toEqual(expected);
    expect(await correlationIds(`${account}paged`)).toEqual(expected);
  });

  it("stops forwarding when the setting is removed or disabled, and a setting enabled again forwards from then", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "while-enabled");
    await forwarder.flush();
    saveSettings();
    await forwarder.flush();
    await append("2026-03-04T05:00:01Z", "after-remove");
    saveSettings(setting({ enabledAt: Date.parse("2026-03-04T05:00:02Z") }));
    await append("2026-03-04T05:00:02Z", "re-enabled");
    await forwarder.flush();
    saveSettings(setting({ auditEventEnabled: false }));
    await forwarder.flush();
    await append("2026-03-04T05:00:03Z", "after-disable");
    await forwarder.flush();
    saveSettings(setting({ enabledAt: Date.parse("2026-03-04T05:00:04Z") }));
    await append("2026-03-04T05:00:04Z", "enabled-again");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["while-enabled", "re-enabled", "enabled-again"]);
  });

  it("writes once per storage account, however many settings name it", async () => {
    await blobs.createAccount(`${account}copy`);
    const forwarder = makeForwarder();
    saveSettings(
      setting(),
      setting({ settingName: "second-to-same-account" }),
      setting({ settingName: "to-auditors", storageAccount: `${account}copy` }),
    );
    await append("2026-03-04T05:00:00Z", "one");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["one"]);
    expect(await correlationIds(`${account}copy`)).toEqual(["one"]);
  });

  it("keeps the journal working while storage fails, then delivers every held event once, in order", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "before-outage");
    await forwarder.flush();
    storage.mode = "fail";
    for (let index = 0; index < 5; index += 1) await append("2026-03-04T05:00:01Z", `during-${index}`);
    await forwarder.flush();
    await forwarder.flush();
    expect(journal.failed).toBe(false);
    expect(forwarder.getStats()).toMatchObject({
      deliveredLines: 1,
      failedAppends: 2,
      lastFailure: { at: "2026-05-01T00:00:00.000Z", storageAccount: account, blob: HOUR_05, code: "Unavailable" },
    });
    expect(forwarder.getStats().pendingBytes).toBeGreaterThan(0);
    expect(logged.filter((entry) => entry.level === "error")).toHaveLength(2);

    storage.mode = "work";
    await append("2026-03-04T05:00:02Z", "after-outage");
    await forwarder.flush();
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["before-outage", "during-0", "during-1", "during-2", "during-3", "during-4", "after-outage"]);
    expect(forwarder.getStats()).toMatchObject({ deliveredLines: 7, pendingBytes: 0 });
  });

  it("moves the cursor only with a successful append: a batch the storage refused comes again, whole and once", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "kept");
    await forwarder.flush();
    // The account's storage goes away under the forwarder (its setting still names it): appends fail for real.
    await blobs.deleteAccount(account);
    for (const id of ["x", "y", "z"]) await append("2026-03-04T05:00:01Z", id);
    await forwarder.flush();
    expect(forwarder.getStats()).toMatchObject({ failedAppends: 1, deliveredLines: 1, lastFailure: { code: "NotFound" } });
    const [stored] = await store.diagnosticCursors.list(nodeId);
    await blobs.createAccount(account);
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["x", "y", "z"]);
    const [moved] = await store.diagnosticCursors.list(nodeId);
    expect(moved!.position.seq).toBeGreaterThan(stored!.position.seq);
    expect(stored!.position.seq).toBe(1);
  });

  it("waits retryIntervalMs before trying a failed destination again", async () => {
    const forwarder = makeForwarder({ retryIntervalMs: 60_000 });
    saveSettings(setting());
    storage.mode = "fail";
    await append("2026-03-04T05:00:00Z", "held");
    await forwarder.flush();
    storage.mode = "work";
    await forwarder.flush();
    expect(forwarder.getStats()).toMatchObject({ failedAppends: 1, deliveredLines: 0 });
    expect(await correlationIds()).toEqual([]);
  });

  it("never makes a journal append wait for storage", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    storage.mode = "hang";
    await append("2026-03-04T05:00:00Z", "stuck-in-storage");
    const stuck = forwarder.flush();
    await vi.waitFor(() => expect(storage.deliveries).toBe(1));
    for (const index of [1, 2, 3]) await append("2026-03-04T05:00:01Z", `next-${index}`);
    expect(journal.getStats().records).toBe(4);
    storage.mode = "work";
    storage.release();
    await stuck;
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["stuck-in-storage", "next-1", "next-2", "next-3"]);
  });

  it("a forwarder that replaces a killed one waits for its lease, then resumes from the cursor and delivers the rest once", async () => {
    const killed = makeForwarder();
    saveSettings(setting());
    for (const id of ["a", "b", "c"]) await append("2026-03-04T05:00:00Z", id);
    await killed.flush();
    for (const id of ["d", "e"]) await append("2026-03-04T05:00:01Z", id);
    // kill -9: the process is gone without a word, its claim still in the store until its lease runs out.
    const restarted = makeForwarder();
    await restarted.flush();
    expect(restarted.getStats()).toMatchObject({ claimHeld: false, deliveredLines: 0 });
    expect(await correlationIds()).toEqual(["a", "b", "c"]);
    // The lease runs out (by the database's clock, moved here rather than waited for).
    await place.exec(`UPDATE work_claims SET expires_at = 0 WHERE work = 'diagnostics:${nodeId}'`);
    await append("2026-03-04T05:00:02Z", "f");
    await restarted.flush();
    expect(await correlationIds()).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(restarted.getStats()).toMatchObject({ claimHeld: true, deliveredLines: 3 });
  });

  it("two processes with one node id forwarding at once deliver every event exactly once", async () => {
    const first = makeForwarder({ pageRecords: 3 });
    const second = makeForwarder({ pageRecords: 3 });
    saveSettings(setting());
    const appends: Promise<unknown>[] = [];
    const flushes: Promise<void>[] = [];
    for (let index = 0; index < 30; index += 1) {
      appends.push(append("2026-03-04T05:00:00Z", `e${index}`));
      if (index % 5 === 0) flushes.push(first.flush(), second.flush());
    }
    await Promise.all([...appends, ...flushes]);
    await Promise.all([first.flush(), second.flush()]);
    expect(await correlationIds()).toEqual(Array.from({ length: 30 }, (_, index) => `e${index}`));
    expect(first.getStats().deliveredLines + second.getStats().deliveredLines).toBe(30);
  });

  it("writes in the background within the flush interval, without flush() being called", async () => {
    makeForwarder({ flushIntervalMs: 20 });
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "background");
    await vi.waitFor(async () => expect(await correlationIds()).toEqual(["background"]), { timeout: 10_000, interval: 20 });
  });

  it("delivers what is acknowledged when closed, then forwards nothing and gives its claim up", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting());
    await append("2026-03-04T05:00:00Z", "before-close");
    await forwarder.close();
    await append("2026-03-04T05:00:01Z", "after-close");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["before-close"]);
    expect(await store.workClaims.claim(`diagnostics:${nodeId}`, "next-process", 60_000)).toBe(true);
  });

  it("keeps forwarding other settings when one names an HSM whose journal cannot be opened or is malformed", async () => {
    const forwarder = makeForwarder();
    saveSettings(setting({ hsmName: "unknown", settingName: "elsewhere" }), setting({ storageAccount: "Not_An_Account" }), setting());
    await append("2026-03-04T05:00:00Z", "ok");
    await forwarder.flush();
    expect(await correlationIds()).toEqual(["ok"]);
    expect(logged.some((entry) => entry.message.includes("cannot open the audit journal"))).toBe(true);
    expect(logged.some((entry) => entry.message === "diagnostic setting ignored")).toBe(true);
  });

  it.each([
    [{ storageAccount: "Not_An_Account" }, "storageAccount"],
    [{ resourceId: "subscriptions/x/managedHSMs/y" }, "resourceId"],
    [{ resourceId: "/subscriptions/x//managedHSMs/y" }, "resourceId"],
    [{ resourceId: "/subscriptions/../managedHSMs/y" }, "resourceId"],
    [{ hsmName: "" }, "hsmName"],
    [{ settingName: "" }, "settingName"],
    [{ auditEventEnabled: "yes" as unknown as boolean }, "auditEventEnabled"],
    [{ enabledAt: -1 }, "enabledAt"],
  ])("refuses the setting %j naming the field", (overrides, field) => {
    expect(() => checkDiagnosticSetting(setting(overrides))).toThrow(expect.objectContaining({ code: "BadParameter", field }));
  });
});
