/**
 * The forwarding cursors (src/store/diagnostic-cursor-records.ts) against both stores: a cursor is inserted once,
 * moves only from where its mover saw it, is listed per node, and its moves leave the generation alone while a
 * diagnostic setting's write moves it (every node's forwarder re-reads the settings then).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DiagnosticCursorRecord } from "../../src/store/diagnostic-cursor-records.js";
import type { Store } from "../../src/store/index.js";
import { STORE_KINDS } from "./store-kinds.js";

const GENESIS = "0".repeat(64);
const HASH_1 = "1".repeat(64);
const HASH_2 = "2".repeat(64);

function cursorOf(overrides: Partial<DiagnosticCursorRecord> = {}): DiagnosticCursorRecord {
  return {
    nodeId: "node-1",
    journal: "ContosoMHSM",
    storageAccount: "contosologs",
    resourceId: "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/CONTOSOMHSM",
    since: 1_000,
    position: { seq: 0, offset: 0, hash: GENESIS },
    ...overrides,
  };
}

describe.each(STORE_KINDS)("$name: diagnostic forwarding cursors", (kind) => {
  // Two "nodes" on one place for the whole file (a database each run is what costs); each test is a node id of its own.
  let stores: [Store, Store];
  let test = 0;
  let nodeId: string;
  beforeAll(async () => {
    const place = await kind.place();
    stores = [await place.open(), await place.open()];
  });
  beforeEach(() => {
    test += 1;
    nodeId = `node-${test}`;
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await kind.dropAll();
  });

  const twoNodes = async (): Promise<[Store, Store]> => stores;
  const cursor = (overrides: Partial<DiagnosticCursorRecord> = {}): DiagnosticCursorRecord => cursorOf({ nodeId, ...overrides });

  it("inserts a cursor once and moves it only from where the mover saw it", async () => {
    const [a, b] = await twoNodes();
    const start = cursor();
    expect(await a.diagnosticCursors.move(start, undefined, 1)).toBe(true);
    expect(await b.diagnosticCursors.move({ ...start, since: 5 }, undefined, 1)).toBe(false);

    const moved = cursor({ position: { seq: 3, offset: 900, hash: HASH_1 } });
    expect(await a.diagnosticCursors.move(moved, start, 2)).toBe(true);
    // A second forwarder that still saw the start moves nothing.
    expect(await b.diagnosticCursors.move(cursor({ position: { seq: 4, offset: 1200, hash: HASH_2 } }), start, 3)).toBe(false);
    expect(await b.diagnosticCursors.list(nodeId)).toEqual([moved]);

    const later = { ...moved, since: 2_000 };
    expect(await b.diagnosticCursors.move(later, moved, 4)).toBe(true);
    expect(await a.diagnosticCursors.list(nodeId)).toEqual([later]);
  });

  it("of two forwarders moving one cursor from the same place at once, exactly one moves it", async () => {
    const [a, b] = await twoNodes();
    const start = cursor();
    await a.diagnosticCursors.move(start, undefined, 1);
    const results = await Promise.all([
      a.diagnosticCursors.move(cursor({ position: { seq: 1, offset: 300, hash: HASH_1 } }), start, 2),
      b.diagnosticCursors.move(cursor({ position: { seq: 2, offset: 600, hash: HASH_2 } }), start, 2),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("lists each node's own cursors and removes one destination's", async () => {
    const [a] = await twoNodes();
    const other = cursor({ storageAccount: "auditorcopy" });
    const otherNode = `${nodeId}-other`;
    for (const record of [cursor(), other, cursor({ nodeId: otherNode })]) await a.diagnosticCursors.move(record, undefined, 1);
    expect((await a.diagnosticCursors.list(nodeId)).map((c) => c.storageAccount)).toEqual(["auditorcopy", "contosologs"]);
    expect(await a.diagnosticCursors.remove(other)).toBe(true);
    expect(await a.diagnosticCursors.remove(other)).toBe(false);
    expect(await a.diagnosticCursors.list(nodeId)).toEqual([cursor()]);
    expect(await a.diagnosticCursors.list(otherNode)).toEqual([cursor({ nodeId: otherNode })]);
  });

  it("a setting's write moves the generation, a cursor's move does not", async () => {
    const [a, b] = await twoNodes();
    const before = await b.generation();
    await a.diagnosticCursors.move(cursor(), undefined, 1);
    await a.diagnosticCursors.move(cursor({ position: { seq: 1, offset: 300, hash: HASH_1 } }), cursor(), 2);
    expect(await b.generation()).toBe(before);
    await a.management.putDiagnosticSetting({
      resourceId: "/r",
      name: "d",
      storageAccountId: "/s",
      logs: [{ category: "AuditEvent", enabled: true }],
      createdAt: 1,
      enabledAt: 2,
    });
    const afterPut = await b.generation();
    expect(afterPut).toBeGreaterThan(before);
    await a.management.deleteDiagnosticSetting("/r", "d");
    expect(await b.generation()).toBeGreaterThan(afterPut);
  });
});
