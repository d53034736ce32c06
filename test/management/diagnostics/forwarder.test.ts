import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuditJournal } from "../../../src/audit/journal.js";
import { KeyholdError } from "../../../src/errors.js";
import { AUDIT_EVENT_CONTAINER } from "../../../src/management/diagnostics/azure-log-line.js";
import { DiagnosticForwarder } from "../../../src/management/diagnostics/forwarder.js";
import type { DiagnosticForwarderOptions, ForwarderLogger } from "../../../src/management/diagnostics/forwarder.js";
import type { DiagnosticSetting } from "../../../src/management/diagnostics/setting.js";
import { BlobStore } from "../../../src/management/storage/blob-store.js";
import { nodeSigningKey, sampleEvent } from "../../audit/helpers.js";

const HSM_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ContosoResourceGroup/providers/Microsoft.KeyVault/managedHSMs/ContosoMHSM";
const HSM_BLOB_FOLDER =
  "resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/CONTOSORESOURCEGROUP/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/CONTOSOMHSM";
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

/** A BlobStore whose appends fail (or hang) on demand, as a full or unreachable disk would. */
class FlakyBlobStore extends BlobStore {
  mode: "work" | "fail" | "hang" = "work";
  #release: () => void = () => undefined;
  override async appendBlob(...args: Parameters<BlobStore["appendBlob"]>): Promise<void> {
    if (this.mode === "fail") throw new KeyholdError("Unavailable", "injected: disk full");
    if (this.mode === "hang") await new Promise<void>((resolve) => (this.#release = resolve));
    return super.appendBlob(...args);
  }
  /** Lets a hanging append go on. */
  recover(): void {
    this.mode = "work";
    this.#release();
  }
}

let dataDir: string;
let blobs: FlakyBlobStore;
let journal: AuditJournal;
let forwarder: DiagnosticForwarder;
let logged: { level: string; details: Record<string, unknown>; message: string }[];

const logger: ForwarderLogger = {
  error: (details, message) => logged.push({ level: "error", details, message }),
  warn: (details, message) => logged.push({ level: "warn", details, message }),
};

function makeForwarder(overrides: Partial<DiagnosticForwarderOptions> = {}): DiagnosticForwarder {
  return new DiagnosticForwarder({
    blobs,
    openJournal: (hsmName) => (hsmName === "ContosoMHSM" ? Promise.resolve(journal) : Promise.reject(new Error("no such HSM"))),
    now: () => new Date("2026-05-01T00:00:00.000Z"),
    logger,
    // Tests drive batches with flush(); the timer only matters in the test that waits for it.
    flushIntervalMs: 60_000,
    retryIntervalMs: 60_000,
    ...overrides,
  });
}

function setting(overrides: Partial<DiagnosticSetting> = {}): DiagnosticSetting {
  return {
    hsmName: "ContosoMHSM",
    resourceId: HSM_ID,
    settingName: "MHSM-Diagnostics",
    storageAccount: "contosologstorage",
    auditEventEnabled: true,
    ...overrides,
  };
}

function eventAt(iso: string, correlationId: string): ReturnType<typeof sampleEvent> {
  return sampleEvent(0, { time: new Date(iso), resourceId: HSM_ID, correlationId });
}

async function blobLines(account: string, blob: string): Promise<Record<string, unknown>[]> {
  const text = (await blobs.readBlob(account, AUDIT_EVENT_CONTAINER, blob)).toString("utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text
    .split("\n")
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function correlationIds(account: string): Promise<string[]> {
  const ids: string[] = [];
  for (const { name } of (await blobs.listBlobs(account, AUDIT_EVENT_CONTAINER)).value) {
    for (const line of await blobLines(account, name)) ids.push(line["correlationId"] as string);
  }
  return ids;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-diagnostics-"));
  blobs = new FlakyBlobStore(dataDir);
  await blobs.createAccount("contosologstorage");
  journal = await AuditJournal.open({
    path: join(dataDir, "audit", "ContosoMHSM.jsonl"),
    signingKey: nodeSigningKey(),
    checkpointIntervalMs: 0,
    checkpointEveryRecords: 2,
  });
  logged = [];
  forwarder = makeForwarder();
});

afterEach(async () => {
  await forwarder.close();
  await journal.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("DiagnosticForwarder", () => {
  it("appends each event made durable after the setting, as Azure writes it, to the blob of the event's UTC hour", async () => {
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:06:07.890Z", "first"));
    await journal.append(eventAt("2026-03-04T05:59:59.999Z", "second"));
    await journal.append(eventAt("2026-03-04T06:00:00.000Z", "next-hour"));
    await forwarder.flush();

    const listing = await blobs.listBlobs("contosologstorage", AUDIT_EVENT_CONTAINER);
    expect(listing.value.map((item) => item.name)).toEqual([
      `${HSM_BLOB_FOLDER}/y=2026/m=03/d=04/h=05/m=00/PT1H.json`,
      `${HSM_BLOB_FOLDER}/y=2026/m=03/d=04/h=06/m=00/PT1H.json`,
    ]);
    const lines = await blobLines("contosologstorage", `${HSM_BLOB_FOLDER}/y=2026/m=03/d=04/h=05/m=00/PT1H.json`);
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
    expect(forwarder.getStats()).toMatchObject({ queuedLines: 0, deliveredLines: 3, failedAppends: 0 });
  });

  it("does not forward events made durable before the setting", async () => {
    await journal.append(eventAt("2026-03-04T05:00:00Z", "before"));
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:00:01Z", "after"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["after"]);
  });

  it("does not forward earlier events to a setting added while the journal is already followed", async () => {
    await blobs.createAccount("auditorcopy");
    await forwarder.setSetting(setting());
    // Durable, and its notification to the journal's listeners already queued, before the second setting exists.
    await journal.append(eventAt("2026-03-04T05:00:00Z", "before"));
    await forwarder.setSetting(setting({ settingName: "to-auditors", storageAccount: "auditorcopy" }));
    await journal.append(eventAt("2026-03-04T05:00:01Z", "after"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["before", "after"]);
    expect(await correlationIds("auditorcopy")).toEqual(["after"]);
  });

  it("writes one append per blob per batch", async () => {
    await forwarder.setSetting(setting());
    const append = vi.spyOn(blobs, "appendBlob");
    await Promise.all(Array.from({ length: 50 }, (_, index) => journal.append(eventAt("2026-03-04T05:00:00Z", `e${index}`))));
    await forwarder.flush();
    expect(append).toHaveBeenCalledTimes(1);
    expect(await correlationIds("contosologstorage")).toEqual(Array.from({ length: 50 }, (_, index) => `e${index}`));
  });

  it("stops forwarding when the setting is removed or disabled", async () => {
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:00:00Z", "while-enabled"));
    await forwarder.removeSetting("ContosoMHSM", "MHSM-Diagnostics");
    await journal.append(eventAt("2026-03-04T05:00:01Z", "after-remove"));
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:00:02Z", "re-enabled"));
    await forwarder.setSetting(setting({ auditEventEnabled: false }));
    await journal.append(eventAt("2026-03-04T05:00:03Z", "after-disable"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["while-enabled", "re-enabled"]);
  });

  it("writes once per storage account, however many settings name it", async () => {
    await blobs.createAccount("auditorcopy");
    await forwarder.setSetting(setting());
    await forwarder.setSetting(setting({ settingName: "second-to-same-account" }));
    await forwarder.setSetting(setting({ settingName: "to-auditors", storageAccount: "auditorcopy" }));
    await journal.append(eventAt("2026-03-04T05:00:00Z", "one"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["one"]);
    expect(await correlationIds("auditorcopy")).toEqual(["one"]);
  });

  it("keeps the journal working while storage fails, and delivers the held lines in order once it works again", async () => {
    await forwarder.setSetting(setting());
    blobs.mode = "fail";
    const record = await journal.append(eventAt("2026-03-04T05:00:00Z", "during-outage"));
    expect(record.event.correlationId).toBe("during-outage");
    await forwarder.flush();
    expect(journal.failed).toBe(false);
    expect(forwarder.getStats()).toMatchObject({
      queuedLines: 1,
      deliveredLines: 0,
      failedAppends: 1,
      lastFailure: { at: "2026-05-01T00:00:00.000Z", storageAccount: "contosologstorage", code: "Unavailable" },
    });
    expect(logged.filter((entry) => entry.level === "error")).toHaveLength(1);

    blobs.mode = "work";
    await journal.append(eventAt("2026-03-04T05:00:01Z", "after-outage"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["during-outage", "after-outage"]);
    expect(forwarder.getStats()).toMatchObject({ queuedLines: 0, deliveredLines: 2 });
  });

  it("never makes a journal append wait for storage", async () => {
    await forwarder.setSetting(setting());
    blobs.mode = "hang";
    await journal.append(eventAt("2026-03-04T05:00:00Z", "stuck-in-storage"));
    void forwarder.flush();
    const appended = await Promise.all([1, 2, 3].map((index) => journal.append(eventAt("2026-03-04T05:00:01Z", `next-${index}`))));
    expect(appended.map((record) => record.event.correlationId)).toEqual(["next-1", "next-2", "next-3"]);
    expect(journal.getStats().records).toBe(4);
    blobs.recover();
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["stuck-in-storage", "next-1", "next-2", "next-3"]);
  });

  it("drops and counts events beyond the queue bound instead of growing without limit", async () => {
    await forwarder.close();
    forwarder = makeForwarder({ maxQueuedLines: 3 });
    await forwarder.setSetting(setting());
    blobs.mode = "fail";
    for (let index = 0; index < 5; index += 1) await journal.append(eventAt("2026-03-04T05:00:00Z", `e${index}`));
    await forwarder.flush();
    expect(forwarder.getStats()).toMatchObject({ queuedLines: 3, droppedEvents: 2 });
    expect(logged.some((entry) => entry.level === "warn" && entry.details["droppedEvents"] === 2)).toBe(true);
    blobs.mode = "work";
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["e0", "e1", "e2"]);
  });

  it("writes in the background within the flush interval, without flush() being called", async () => {
    await forwarder.close();
    forwarder = makeForwarder({ flushIntervalMs: 20 });
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:00:00Z", "background"));
    await vi.waitFor(async () => expect(await correlationIds("contosologstorage").catch(() => [])).toEqual(["background"]), {
      timeout: 5_000,
      interval: 20,
    });
  });

  it("stops following the journal when closed, and refuses new settings", async () => {
    await forwarder.setSetting(setting());
    await forwarder.close();
    await journal.append(eventAt("2026-03-04T05:00:00Z", "after-close"));
    await forwarder.flush();
    expect((await blobs.listContainers("contosologstorage")).includes(AUDIT_EVENT_CONTAINER)).toBe(false);
    await expect(forwarder.setSetting(setting())).rejects.toMatchObject({ code: "Unavailable" });
  });

  it("rejects a setting for an HSM whose journal cannot be opened, and keeps working for others", async () => {
    await expect(forwarder.setSetting(setting({ hsmName: "unknown" }))).rejects.toThrow("no such HSM");
    await forwarder.setSetting(setting());
    await journal.append(eventAt("2026-03-04T05:00:00Z", "ok"));
    await forwarder.flush();
    expect(await correlationIds("contosologstorage")).toEqual(["ok"]);
  });

  it.each([
    [{ storageAccount: "Not_An_Account" }, "storageAccount"],
    [{ resourceId: "subscriptions/x/managedHSMs/y" }, "resourceId"],
    [{ resourceId: "/subscriptions/x//managedHSMs/y" }, "resourceId"],
    [{ resourceId: "/subscriptions/../managedHSMs/y" }, "resourceId"],
    [{ hsmName: "" }, "hsmName"],
    [{ settingName: "" }, "settingName"],
    [{ auditEventEnabled: "yes" as unknown as boolean }, "auditEventEnabled"],
  ])("refuses the setting %j naming the field", async (overrides, field) => {
    await expect(forwarder.setSetting(setting(overrides))).rejects.toMatchObject({ code: "BadParameter", field });
  });
});
