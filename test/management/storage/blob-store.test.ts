import { mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyholdError } from "../../../src/errors.js";
import { BlobStore } from "../../../src/management/storage/blob-store.js";
import type { BlobItem } from "../../../src/management/storage/blob-store.js";

let dataDir: string;
let blobs: BlobStore;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-storage-"));
  blobs = new BlobStore(dataDir);
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<KeyholdError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KeyholdError);
  return error as KeyholdError;
}

async function accountWithContainer(): Promise<void> {
  await blobs.createAccount("logs01");
  await blobs.createContainer("logs01", "audit");
}

describe("accounts", () => {
  it("is a directory of the data dir, created once and removed with everything in it", async () => {
    expect(await blobs.createAccount("contosologstorage")).toEqual({ created: true });
    expect(await blobs.createAccount("contosologstorage")).toEqual({ created: false });
    expect((await stat(join(dataDir, "storage", "contosologstorage"))).isDirectory()).toBe(true);
    expect(await blobs.accountExists("contosologstorage")).toBe(true);
    await blobs.createContainer("contosologstorage", "audit");
    await blobs.appendBlob("contosologstorage", "audit", "a/b.json", Buffer.from("x"));

    await blobs.deleteAccount("contosologstorage");

    expect(await blobs.accountExists("contosologstorage")).toBe(false);
    expect(await readdir(join(dataDir, "storage"))).toEqual([]);
    expect((await rejection(blobs.deleteAccount("contosologstorage"))).code).toBe("NotFound");
  });

  it.each(["ab", "a".repeat(25), "Contoso", "con-toso", "con.toso", "../etc", ""])("refuses the account name %j", async (name) => {
    const error = await rejection(blobs.createAccount(name));
    expect(error.code).toBe("BadParameter");
    expect(error.field).toBe("name");
    await expect(blobs.accountExists(name)).rejects.toMatchObject({ code: "BadParameter", field: "name" });
  });
});

describe("containers", () => {
  it("are created inside an existing account only", async () => {
    expect((await rejection(blobs.createContainer("missing1", "audit"))).code).toBe("NotFound");
    await blobs.createAccount("logs01");
    expect(await blobs.createContainer("logs01", "insights-logs-auditevent")).toEqual({ created: true });
    expect(await blobs.createContainer("logs01", "insights-logs-auditevent")).toEqual({ created: false });
    await blobs.createContainer("logs01", "backups");
    expect(await blobs.listContainers("logs01")).toEqual(["backups", "insights-logs-auditevent"]);
  });

  it.each(["ab", "a".repeat(64), "-abc", "abc-", "ab--c", "Audit", "a_b", "a/b", ".."])("refuses the container name %j", async (name) => {
    await blobs.createAccount("logs01");
    const error = await rejection(blobs.createContainer("logs01", name));
    expect(error).toMatchObject({ code: "BadParameter", field: "container" });
  });
});

describe("blob names", () => {
  const traversals = ["../escape", "a/../../escape", "..", "./a", "a/./b", "/etc/passwd", "a\\..\\b", "a\0b", "a//b", "a/", ""];

  it.each(traversals)("refuses %j for append and read, and writes nothing", async (name) => {
    await accountWithContainer();
    const appended = await rejection(blobs.appendBlob("logs01", "audit", name, Buffer.from("x")));
    expect(appended).toMatchObject({ code: "BadParameter", field: "blob" });
    const read = await rejection(blobs.readBlob("logs01", "audit", name));
    expect(read).toMatchObject({ code: "BadParameter", field: "blob" });
    expect(await readdir(join(dataDir, "storage", "logs01", "audit"))).toEqual([]);
    expect(await readdir(dataDir)).toEqual(["storage"]);
  });

  it("refuses names longer than 1024 characters", async () => {
    await accountWithContainer();
    const error = await rejection(blobs.appendBlob("logs01", "audit", "a/".repeat(512) + "b", Buffer.from("x")));
    expect(error).toMatchObject({ code: "BadParameter", field: "blob" });
  });

  it("does not follow a symbolic link planted in a container", async () => {
    await accountWithContainer();
    const outside = join(dataDir, "outside.txt");
    await writeFile(outside, "secret");
    await symlink(outside, join(dataDir, "storage", "logs01", "audit", "link"));
    expect((await rejection(blobs.readBlob("logs01", "audit", "link"))).code).toBe("NotFound");
    expect((await rejection(blobs.appendBlob("logs01", "audit", "link", Buffer.from("x")))).code).toBe("Conflict");
    expect((await blobs.listBlobs("logs01", "audit")).value).toEqual([]);
  });
});

describe("append and read", () => {
  it("creates the blob and its folders, then appends", async () => {
    await accountWithContainer();
    await blobs.appendBlob("logs01", "audit", "y=2026/m=01/PT1H.json", Buffer.from("one\n"));
    await blobs.appendBlob("logs01", "audit", "y=2026/m=01/PT1H.json", Buffer.from("two\n"), { sync: true });
    expect((await blobs.readBlob("logs01", "audit", "y=2026/m=01/PT1H.json")).toString()).toBe("one\ntwo\n");
  });

  it("keeps concurrent appends to one blob whole and in call order", async () => {
    await accountWithContainer();
    const lines = Array.from({ length: 200 }, (_, index) => `${String(index).padStart(3, "0")}:${"x".repeat(4000)}\n`);
    await Promise.all(lines.map((line) => blobs.appendBlob("logs01", "audit", "many.json", Buffer.from(line))));
    const stored = (await blobs.readBlob("logs01", "audit", "many.json")).toString();
    expect(stored.length).toBe(lines.join("").length);
    expect(
      stored
        .split("\n")
        .slice(0, -1)
        .map((line) => line.slice(0, 4)),
    ).toEqual(lines.map((line) => line.slice(0, 4)));
    expect(stored === lines.join("")).toBe(true);
  });

  it("answers Conflict when a blob name is a folder of other blobs or runs through a blob", async () => {
    await accountWithContainer();
    await blobs.appendBlob("logs01", "audit", "a/b", Buffer.from("x"));
    expect(await rejection(blobs.appendBlob("logs01", "audit", "a", Buffer.from("x")))).toMatchObject({ code: "Conflict", field: "blob" });
    expect(await rejection(blobs.appendBlob("logs01", "audit", "a/b/c", Buffer.from("x")))).toMatchObject({
      code: "Conflict",
      field: "blob",
    });
    expect((await blobs.readBlob("logs01", "audit", "a/b")).toString()).toBe("x");
  });

  it("refuses data that is not bytes", async () => {
    await accountWithContainer();
    const error = await rejection(blobs.appendBlob("logs01", "audit", "a", "text" as unknown as Uint8Array));
    expect(error).toMatchObject({ code: "BadParameter", field: "data" });
  });

  it("answers NotFound for a missing account, container or blob", async () => {
    expect(await rejection(blobs.readBlob("nosuchacct", "audit", "a"))).toMatchObject({ code: "NotFound", field: "account" });
    expect(await rejection(blobs.appendBlob("nosuchacct", "audit", "a", Buffer.from("x")))).toMatchObject({
      code: "NotFound",
      field: "account",
    });
    await blobs.createAccount("logs01");
    expect(await rejection(blobs.readBlob("logs01", "audit", "a"))).toMatchObject({ code: "NotFound", field: "container" });
    expect(await rejection(blobs.listBlobs("logs01", "audit"))).toMatchObject({ code: "NotFound", field: "container" });
    expect(await rejection(blobs.appendBlob("logs01", "audit", "a", Buffer.from("x")))).toMatchObject({
      code: "NotFound",
      field: "container",
    });
    await blobs.createContainer("logs01", "audit");
    expect(await rejection(blobs.readBlob("logs01", "audit", "a"))).toMatchObject({ code: "NotFound", field: "blob" });
    await blobs.appendBlob("logs01", "audit", "dir/file", Buffer.from("x"));
    expect(await rejection(blobs.readBlob("logs01", "audit", "dir"))).toMatchObject({ code: "NotFound", field: "blob" });
    expect(await rejection(blobs.readBlob("logs01", "audit", "dir/file/more"))).toMatchObject({ code: "NotFound", field: "blob" });
  });

  it("does not bring a deleted account back when appending to it", async () => {
    await accountWithContainer();
    await blobs.deleteAccount("logs01");
    expect((await rejection(blobs.appendBlob("logs01", "audit", "a/b/c", Buffer.from("x")))).code).toBe("NotFound");
    expect(await blobs.accountExists("logs01")).toBe(false);
  });
});

describe("listing", () => {
  const names = ["b", "a/b", "a-c", "a.txt", "dir/sub/one", "dir/sub/two", "dir/subway", "dir/other", "é", "z"];

  beforeEach(async () => {
    await accountWithContainer();
    for (const name of names) await blobs.appendBlob("logs01", "audit", name, Buffer.from(name));
  });

  it("lists every blob flat, in the byte order of the names, with size and time", async () => {
    const { value, nextMarker } = await blobs.listBlobs("logs01", "audit");
    // '-' (0x2d) < '.' (0x2e) < '/' (0x2f): a flat sort, not a folder-by-folder walk.
    expect(value.map((item) => item.name)).toEqual([
      "a-c",
      "a.txt",
      "a/b",
      "b",
      "dir/other",
      "dir/sub/one",
      "dir/sub/two",
      "dir/subway",
      "z",
      "é",
    ]);
    expect(nextMarker).toBeUndefined();
    const one = value.find((item) => item.name === "dir/sub/one") as BlobItem;
    expect(one.size).toBe(Buffer.byteLength("dir/sub/one"));
    expect(new Date(one.lastModified).toISOString()).toBe(one.lastModified);
  });

  it("filters by a prefix that may end inside a segment", async () => {
    const folder = await blobs.listBlobs("logs01", "audit", { prefix: "dir/sub/" });
    expect(folder.value.map((item) => item.name)).toEqual(["dir/sub/one", "dir/sub/two"]);
    const partial = await blobs.listBlobs("logs01", "audit", { prefix: "dir/sub" });
    expect(partial.value.map((item) => item.name)).toEqual(["dir/sub/one", "dir/sub/two", "dir/subway"]);
    expect((await blobs.listBlobs("logs01", "audit", { prefix: "nothing" })).value).toEqual([]);
  });

  it("pages with maxResults and the returned marker, each blob exactly once", async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await blobs.listBlobs("logs01", "audit", marker === undefined ? { maxResults: 3 } : { maxResults: 3, marker });
      expect(page.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.value.map((item) => item.name));
      marker = page.nextMarker;
      pages += 1;
    } while (marker !== undefined);
    expect(pages).toBe(4);
    expect(seen).toEqual((await blobs.listBlobs("logs01", "audit")).value.map((item) => item.name));
  });

  it("pages within a prefix", async () => {
    const first = await blobs.listBlobs("logs01", "audit", { prefix: "dir/", maxResults: 2 });
    expect(first.value.map((item) => item.name)).toEqual(["dir/other", "dir/sub/one"]);
    const second = await blobs.listBlobs("logs01", "audit", { prefix: "dir/", maxResults: 2, marker: first.nextMarker as string });
    expect(second.value.map((item) => item.name)).toEqual(["dir/sub/two", "dir/subway"]);
    expect(second.nextMarker).toBeUndefined();
  });

  it.each([
    [{ maxResults: 0 }, "maxResults"],
    [{ maxResults: 5001 }, "maxResults"],
    [{ maxResults: 1.5 }, "maxResults"],
    [{ marker: "not a marker!" }, "marker"],
    [{ marker: "" }, "marker"],
    [{ prefix: 7 }, "prefix"],
  ])("refuses the listing options %j", async (options, field) => {
    const error = await rejection(blobs.listBlobs("logs01", "audit", options as never));
    expect(error).toMatchObject({ code: "BadParameter", field });
  });
});
