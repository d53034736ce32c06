/**
 * What nodes sharing one store rely on (SPEC section 14), against both stores (test/store/store-kinds.ts), each
 * "node" a store of its own opened on the same place: work claimed once and taken over when its holder stops
 * renewing it, backup jobs failed only once their lease runs out, storage-account blobs written through one node and
 * read through another, and a seal that every node must share.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { BackupJobRecord, Store } from "../../src/store/index.js";
import { StoreBlobStore } from "../../src/management/index.js";
import { openStoreSeal } from "../../src/hsm/keys/index.js";
import { ensureHsmDomain } from "../../src/hsm/keys/index.js";
import { STORE_KINDS, type StorePlace } from "./store-kinds.js";
import { jobInProgress } from "../helpers/backup-job-record.js";

const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds; the lease clocks are the database's, so tests wait for them rather than move them. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(50);
  }
}

describe.each(STORE_KINDS)("$name: work shared by nodes", (kind) => {
  const open: Store[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });
  afterAll(() => kind.dropAll());

  async function twoNodes(): Promise<{ place: StorePlace; a: Store; b: Store }> {
    const place = await kind.place();
    const a = await place.open();
    const b = await place.open();
    open.push(a, b);
    return { place, a, b };
  }

  it("a claim is held by one node, renewed by it, taken over once its lease runs out, and free again once released", async () => {
    const { a, b } = await twoNodes();
    expect(await a.workClaims.claim("key-maintenance", "node-a", 60_000)).toBe(true);
    expect(await b.workClaims.claim("key-maintenance", "node-b", 60_000)).toBe(false);
    expect(await a.workClaims.claim("key-maintenance", "node-a", 300)).toBe(true);
    expect(await b.workClaims.claim("other-work", "node-b", 60_000)).toBe(true);
    // node-a stops renewing (it died): once its lease has run out node-b takes the work, and node-a no longer has it.
    await eventually(() => b.workClaims.claim("key-maintenance", "node-b", 60_000));
    expect(await a.workClaims.claim("key-maintenance", "node-a", 60_000)).toBe(false);
    await b.workClaims.release("key-maintenance", "node-a");
    expect(await a.workClaims.claim("key-maintenance", "node-a", 60_000)).toBe(false);
    await b.workClaims.release("key-maintenance", "node-b");
    expect(await a.workClaims.claim("key-maintenance", "node-a", 60_000)).toBe(true);
  });

  it("of many nodes claiming at once exactly one gets the work", async () => {
    const { place, a, b } = await twoNodes();
    const c = await place.open();
    open.push(c);
    const stores = [a, b, c, a, b, c];
    const results = await Promise.all(stores.map((store, index) => store.workClaims.claim("purge", `node-${index}`, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("a job in progress is failed only when its lease runs out or its own node starts again; a stalled holder cannot end it", async () => {
    const { a, b } = await twoNodes();
    const job = jobInProgress("hsm-1", "backup");
    const lease = { holder: "node-a", leaseMs: 400 };
    await a.backupJobs.insert(job, lease);
    const gone = { code: "InternalError", message: "interrupted" };
    expect(await b.backupJobs.failAbandoned(2_000, gone)).toEqual([]);
    // Renewed by its holder, the job lives past its first lease.
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      expect(await a.backupJobs.renewLease(job.id, lease)).toBe(true);
      expect(await b.backupJobs.failAbandoned(2_000, gone)).toEqual([]);
    }
    expect(await b.backupJobs.renewLease(job.id, { holder: "node-b", leaseMs: 60_000 })).toBe(false);
    // Its holder stops renewing (it died): another node fails it once the lease has run out, and nobody runs it again.
    let failed: BackupJobRecord[] = [];
    await eventually(async () => (failed = await b.backupJobs.failAbandoned(3_000, gone)).length > 0);
    expect(failed.map((j) => [j.id, j.status])).toEqual([[job.id, "Failed"]]);
    expect(await a.backupJobs.renewLease(job.id, lease)).toBe(false);
    expect(await a.backupJobs.finish(job.id, { status: "Succeeded", endedAt: 4_000 })).toBe(false);
    expect(await b.backupJobs.get("hsm-1", job.id)).toMatchObject({ status: "Failed", endedAt: 3_000, error: gone });
  });

  it("a blob appended through one node is listed and read through another, in Azure's order, appends whole", async () => {
    const { a, b } = await twoNodes();
    const one = new StoreBlobStore(a.blobs);
    const two = new StoreBlobStore(b.blobs);
    expect(await one.createAccount("backups1")).toEqual({ created: true });
    expect(await two.createAccount("backups1")).toEqual({ created: false });
    await expect(two.createContainer("nosuchaccount", "folders")).rejects.toMatchObject({ code: "NotFound", field: "account" });
    expect(await one.createContainer("backups1", "folders")).toEqual({ created: true });
    expect(await two.createContainer("backups1", "folders")).toEqual({ created: false });
    const bytes = new Uint8Array([0, 1, 2, 255, 0]);
    await one.appendBlob("backups1", "folders", "mhsm-a/keys-00001.bin", bytes);
    await two.appendBlob("backups1", "folders", "mhsm-a/keys-00001.bin", new Uint8Array([7]));
    await Promise.all(["é", "z", "a/b", "\u{1F600}", "\uFFFD"].map((name) => one.appendBlob("backups1", "folders", name, bytes)));
    expect(new Uint8Array(await two.readBlob("backups1", "folders", "mhsm-a/keys-00001.bin"))).toEqual(
      new Uint8Array([0, 1, 2, 255, 0, 7]),
    );
    await expect(two.readBlob("backups1", "folders", "missing")).rejects.toMatchObject({ code: "NotFound", field: "blob" });
    await expect(two.readBlob("backups1", "nope", "x")).rejects.toMatchObject({ code: "NotFound", field: "container" });
    await expect(two.appendBlob("backups1", "nope", "x", bytes)).rejects.toMatchObject({ code: "NotFound", field: "container" });
    // UTF-8 byte order: U+FFFD sorts before U+1F600, as Azure lists them (UTF-16 order would put it after).
    const all = await two.listBlobs("backups1", "folders");
    expect(all.value.map((item) => item.name)).toEqual(["a/b", "mhsm-a/keys-00001.bin", "z", "é", "\uFFFD", "\u{1F600}"]);
    expect(all.value.find((item) => item.name === "mhsm-a/keys-00001.bin")?.size).toBe(6);
    const first = await two.listBlobs("backups1", "folders", { maxResults: 2 });
    expect(first.value.map((item) => item.name)).toEqual(["a/b", "mhsm-a/keys-00001.bin"]);
    const rest = await two.listBlobs("backups1", "folders", { marker: first.nextMarker! });
    expect(rest.value.map((item) => item.name)).toEqual(["z", "é", "\uFFFD", "\u{1F600}"]);
    expect(rest.nextMarker).toBeUndefined();
    expect((await two.listBlobs("backups1", "folders", { prefix: "mhsm-a/" })).value.map((item) => item.name)).toEqual([
      "mhsm-a/keys-00001.bin",
    ]);
    expect(await two.listContainers("backups1")).toEqual(["folders"]);
    await two.deleteAccount("backups1");
    expect(await one.accountExists("backups1")).toBe(false);
    await expect(one.listContainers("backups1")).rejects.toMatchObject({ code: "NotFound", field: "account" });
    await expect(one.deleteAccount("backups1")).rejects.toMatchObject({ code: "NotFound" });
    // The account's blobs went with it: a new account of the same name starts empty.
    await one.createAccount("backups1");
    await one.createContainer("backups1", "folders");
    expect((await one.listBlobs("backups1", "folders")).value).toEqual([]);
  });

  it("every node must bring the seal the store was first opened with: a key file, or a passphrase with the store's salt", async () => {
    const { a, b } = await twoNodes();
    const dirA = await mkdtemp(join(tmpdir(), "keyhold-seal-a-"));
    const dirB = await mkdtemp(join(tmpdir(), "keyhold-seal-b-"));
    const keyFile = join(dirA, "seal.key");
    const sealA = await openStoreSeal({ seals: a.seal, dataDir: dirA, keyFile, passphrase: undefined });
    const domain = await ensureHsmDomain(a, sealA, "hsm-1");
    // A copy of the key file on another machine opens the store and the HSM's domain.
    const copy = join(dirB, "copied-seal.key");
    await writeFile(copy, await import("node:fs/promises").then((fs) => fs.readFile(keyFile)), { mode: 0o600 });
    const sealB = await openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: copy, passphrase: undefined });
    expect((await ensureHsmDomain(b, sealB, "hsm-1")).fingerprint).toEqual(domain.fingerprint);
    // Another key, a missing key file, or a passphrase are refused with a clear error, and nothing is written.
    const other = join(dirB, "other.key");
    await writeFile(other, randomBytes(32), { mode: 0o600 });
    await expect(openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: other, passphrase: undefined })).rejects.toThrow(
      /does not open this store: it was sealed with another key/,
    );
    await expect(openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: join(dirB, "absent.key"), passphrase: undefined })).rejects.toThrow(
      /does not exist/,
    );
    await expect(
      openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: other, passphrase: "correct horse", scrypt: CHEAP_SCRYPT }),
    ).rejects.toThrow(/sealed with a seal key file, not a passphrase/);
    expect((await a.seal.get())?.kind).toBe("keyFile");
  });

  it("a passphrase seal keeps its salt in the store, so every machine derives the same key; a wrong passphrase is refused", async () => {
    const { a, b } = await twoNodes();
    const dirA = await mkdtemp(join(tmpdir(), "keyhold-seal-a-"));
    const dirB = await mkdtemp(join(tmpdir(), "keyhold-seal-b-"));
    const passphrase = "correct horse battery staple";
    const sealA = await openStoreSeal({ seals: a.seal, dataDir: dirA, keyFile: join(dirA, "seal.key"), passphrase, scrypt: CHEAP_SCRYPT });
    expect(sealA.kind).toBe("passphrase");
    const domain = await ensureHsmDomain(a, sealA, "hsm-p");
    const sealB = await openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: join(dirB, "seal.key"), passphrase, scrypt: CHEAP_SCRYPT });
    expect((await ensureHsmDomain(b, sealB, "hsm-p")).fingerprint).toEqual(domain.fingerprint);
    await expect(
      openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: join(dirB, "seal.key"), passphrase: "wrong horse", scrypt: CHEAP_SCRYPT }),
    ).rejects.toThrow(/passphrase .* does not open this store/);
    await expect(openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: join(dirB, "seal.key"), passphrase: undefined })).rejects.toThrow(
      /sealed with a passphrase/,
    );
    const stored = await a.seal.get();
    expect(stored?.kdf).toBeDefined();
    expect(stored?.kdf?.includes("horse")).toBe(false);
  });

  it("a store whose secrets were sealed before it kept a check value is proven against them before the check is written", async () => {
    const { a, b } = await twoNodes();
    const dirA = await mkdtemp(join(tmpdir(), "keyhold-seal-a-"));
    const dirB = await mkdtemp(join(tmpdir(), "keyhold-seal-b-"));
    // An older keyhold sealed a domain secret and kept no check value.
    const { openNodeSeal } = await import("../../src/hsm/keys/index.js");
    await ensureHsmDomain(a, openNodeSeal({ dataDir: dirA, passphrase: undefined }), "hsm-old");
    expect(await a.seal.get()).toBeUndefined();
    const stranger = join(dirB, "seal.key");
    await writeFile(stranger, randomBytes(32), { mode: 0o600 });
    await expect(openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: stranger, passphrase: undefined })).rejects.toThrow(
      /does not open this store/,
    );
    await expect(openStoreSeal({ seals: b.seal, dataDir: dirB, keyFile: join(dirB, "none.key"), passphrase: undefined })).rejects.toThrow(
      /does not exist/,
    );
    expect(await a.seal.get()).toBeUndefined();
    const seal = await openStoreSeal({ seals: a.seal, dataDir: dirA, keyFile: join(dirA, "seal.key"), passphrase: undefined });
    expect(seal.kind).toBe("keyFile");
    expect((await b.seal.get())?.kind).toBe("keyFile");
  });
});
