/**
 * Storage accounts as directories of the data dir: `<dataDir>/storage/<account>`
 * holds one directory per container, and a blob named `a/b/c.json` is the file
 * `<container>/a/b/c.json`. Appends to one blob are serialized in this process
 * and either land whole or not at all, so JSON-lines blobs never carry a torn
 * line. Directories are created one level at a time below the container (never
 * recursively from the account), so an append racing a delete cannot bring a
 * deleted account back to life.
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import { badParameter, echo, ECHO_ID_CHARS, KeyholdError } from "../../errors.js";
import { syncDirectory } from "../../files.js";
import { blobNamesUnder, isMissing } from "./blob-walk.js";
import { decodeListMarker, encodeListMarker, sortedBlobNames } from "./list-marker.js";
import { blobNameSegments, checkAccountName, checkContainerName, MAX_BLOB_NAME_LENGTH } from "../../arm/storage-names.js";

const STORAGE_DIRECTORY = "storage";
/** Azure's page size limit for List Blobs (`maxresults`). */
export const MAX_LIST_RESULTS = 5000;

export interface BlobItem {
  readonly name: string;
  readonly size: number;
  /** ISO-8601 UTC. */
  readonly lastModified: string;
}

export interface BlobListOptions {
  readonly prefix?: string;
  /** 1 to 5000; default 5000. */
  readonly maxResults?: number;
  /** The `nextMarker` of the previous page. */
  readonly marker?: string;
}

export interface BlobList {
  readonly value: readonly BlobItem[];
  /** Present when more blobs follow; pass it back as `marker`. */
  readonly nextMarker?: string;
}

export interface AppendBlobOptions {
  /** fdatasync the blob (and its folder when the blob is new) before resolving. */
  readonly sync?: boolean;
}

/**
 * Storage accounts and their blobs, wherever they live: files of the data dir (BlobStore, the embedded default) or
 * tables of a store that several nodes share (StoreBlobStore, with PostgreSQL).
 */
export interface BlobStorage {
  /** `created` is false when the account already existed. */
  createAccount(name: string): Promise<{ created: boolean }>;
  /** Removes the account with all its containers and blobs; NotFound when there is none. */
  deleteAccount(name: string): Promise<void>;
  accountExists(name: string): Promise<boolean>;
  /** `created` is false when the container already existed; NotFound naming the account when it does not exist. */
  createContainer(account: string, container: string): Promise<{ created: boolean }>;
  /** The account's container names, sorted. */
  listContainers(account: string): Promise<string[]>;
  /** One page of the container's blobs, listed flat in name order. */
  listBlobs(account: string, container: string, options?: BlobListOptions): Promise<BlobList>;
  readBlob(account: string, container: string, name: string): Promise<Buffer>;
  /** Appends `data` whole to the blob, creating it when needed. */
  appendBlob(account: string, container: string, name: string, data: Uint8Array, options?: AppendBlobOptions): Promise<void>;
}

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

export class BlobStore implements BlobStorage {
  /** `<dataDir>/storage`. */
  readonly root: string;
  readonly #appendTails = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    if (typeof dataDir !== "string" || dataDir.length === 0) throw badParameter("dataDir", "must be a directory path");
    this.root = join(resolve(dataDir), STORAGE_DIRECTORY);
  }

  /** Creates the account's directory; `created` is false when it already existed. */
  async createAccount(name: string): Promise<{ created: boolean }> {
    const dir = join(this.root, checkAccountName(name));
    await mkdir(this.root, { recursive: true, mode: DIRECTORY_MODE });
    try {
      await mkdir(dir, { mode: DIRECTORY_MODE });
      return { created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && (await isDirectory(dir))) return { created: false };
      throw error;
    }
  }

  /** Removes the account with all its containers and blobs. */
  async deleteAccount(name: string): Promise<void> {
    const dir = join(this.root, checkAccountName(name));
    // Renaming first makes the account disappear at once; names with '.' are never account names.
    const doomed = join(this.root, `.deleting-${name}-${randomUUID()}`);
    try {
      await rename(dir, doomed);
    } catch (error) {
      if (isMissing(error)) throw accountNotFound(name);
      throw error;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  async accountExists(name: string): Promise<boolean> {
    return isDirectory(join(this.root, checkAccountName(name)));
  }

  /** Creates the container; `created` is false when it already existed. */
  async createContainer(account: string, container: string): Promise<{ created: boolean }> {
    const accountDir = join(this.root, checkAccountName(account, "account"));
    const dir = join(accountDir, checkContainerName(container));
    try {
      await mkdir(dir, { mode: DIRECTORY_MODE });
      return { created: true };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && (await isDirectory(dir))) return { created: false };
      if (code === "ENOENT" || code === "ENOTDIR") throw accountNotFound(account);
      throw error;
    }
  }

  /** The account's container names, sorted. */
  async listContainers(account: string): Promise<string[]> {
    const accountDir = join(this.root, checkAccountName(account, "account"));
    try {
      const entries = await readdir(accountDir, { withFileTypes: true });
      return sortedBlobNames(entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name));
    } catch (error) {
      if (isMissing(error)) throw accountNotFound(account);
      throw error;
    }
  }

  /** One page of the container's blobs, listed flat in name order. */
  async listBlobs(account: string, container: string, options: BlobListOptions = {}): Promise<BlobList> {
    const dir = this.#containerPath(account, container);
    const { prefix, maxResults, marker } = checkListOptions(options);
    await requireContainer(dir, account, container);
    const names = sortedBlobNames(await blobNamesUnder(dir, prefix), marker);
    const page = names.slice(0, maxResults);
    const items = await Promise.all(page.map((name) => blobItem(dir, name)));
    const value = items.filter((item): item is BlobItem => item !== undefined);
    const last = page.at(-1);
    return names.length > maxResults && last !== undefined ? { value, nextMarker: encodeListMarker(last) } : { value };
  }

  async readBlob(account: string, container: string, name: string): Promise<Buffer> {
    const dir = this.#containerPath(account, container);
    const segments = blobNameSegments(name);
    await requireContainer(dir, account, container);
    let handle: FileHandle;
    try {
      handle = await open(join(dir, ...segments), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === "ELOOP") throw blobNotFound(name);
      throw error;
    }
    try {
      if (!(await handle.stat()).isFile()) throw blobNotFound(name);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /** Appends `data` to the blob, creating it and its folders when needed. */
  async appendBlob(account: string, container: string, name: string, data: Uint8Array, options: AppendBlobOptions = {}): Promise<void> {
    const dir = this.#containerPath(account, container);
    const segments = blobNameSegments(name);
    if (!(data instanceof Uint8Array)) throw badParameter("data", "must be bytes (a Buffer or Uint8Array)");
    const sync = options.sync ?? false;
    if (typeof sync !== "boolean") throw badParameter("sync", "must be true or false");

    const target: BlobTarget = { account, container, containerDir: dir, name, segments };
    const path = join(dir, ...segments);
    // Queued before the first await, so appends land in the order they were called.
    const previous = this.#appendTails.get(path) ?? Promise.resolve();
    const appended = previous.then(async () => {
      await requireContainer(dir, account, container);
      await appendWhole(target, data, sync);
    });
    const tail = appended.catch(() => undefined);
    this.#appendTails.set(path, tail);
    void tail.then(() => {
      if (this.#appendTails.get(path) === tail) this.#appendTails.delete(path);
    });
    return appended;
  }

  #containerPath(account: string, container: string): string {
    return join(this.root, checkAccountName(account, "account"), checkContainerName(container));
  }
}

/** A validated blob address. */
interface BlobTarget {
  readonly account: string;
  readonly container: string;
  readonly containerDir: string;
  readonly name: string;
  readonly segments: readonly string[];
}

async function appendWhole(target: BlobTarget, data: Uint8Array, sync: boolean): Promise<void> {
  const { handle, created } = await openForAppend(target);
  try {
    const { size } = await handle.stat();
    try {
      await handle.writeFile(data);
      if (sync) await handle.datasync();
    } catch (cause) {
      // Cut a partial write off so the blob holds only whole appends and a retry does not duplicate half of one.
      await handle.truncate(size).catch(() => undefined);
      throw new KeyholdError("Unavailable", `The blob '${target.name}' could not be written.`, { cause });
    }
  } finally {
    await handle.close();
  }
  // A new file's directory entry is only durable once its folder is synced.
  if (sync && created) await syncDirectory(join(target.containerDir, ...target.segments.slice(0, -1)));
}

async function openForAppend(target: BlobTarget): Promise<{ handle: FileHandle; created: boolean }> {
  const path = join(target.containerDir, ...target.segments);
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;
  try {
    return { handle: await open(path, flags), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw appendRefused(error, target.name);
  }
  await makeParentFolders(target);
  try {
    return { handle: await open(path, flags | constants.O_CREAT, FILE_MODE), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw containerNotFound(target.account, target.container);
    throw appendRefused(error, target.name);
  }
}

async function makeParentFolders(target: BlobTarget): Promise<void> {
  let folder = target.containerDir;
  for (const segment of target.segments.slice(0, -1)) {
    folder = join(folder, segment);
    try {
      await mkdir(folder, { mode: DIRECTORY_MODE });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && (await isDirectory(folder))) continue;
      if (code === "ENOENT") throw containerNotFound(target.account, target.container);
      throw appendRefused(error, target.name);
    }
  }
}

function appendRefused(error: unknown, name: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  // Files are blobs and directories are name prefixes, so "a" and "a/b" cannot both exist here.
  if (code === "EISDIR") return conflict(name, "it is a folder of other blobs");
  if (code === "ENOTDIR" || code === "EEXIST") return conflict(name, "a part of its path is a blob");
  if (code === "ELOOP") return conflict(name, "it is not a regular blob");
  return error;
}

async function requireContainer(containerDir: string, account: string, container: string): Promise<void> {
  if (await isDirectory(containerDir)) return;
  if (!(await isDirectory(resolve(containerDir, "..")))) throw accountNotFound(account);
  throw containerNotFound(account, container);
}

async function blobItem(containerDir: string, name: string): Promise<BlobItem | undefined> {
  try {
    const stats = await lstat(join(containerDir, ...name.split("/")));
    return { name, size: stats.size, lastModified: stats.mtime.toISOString() };
  } catch (error) {
    // Deleted between the walk and now: leave it out of the page.
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export function checkListOptions(options: BlobListOptions): { prefix: string; maxResults: number; marker?: string } {
  if (typeof options !== "object" || options === null) throw badParameter("options", "must be an object");
  const prefix: unknown = options.prefix ?? "";
  if (typeof prefix !== "string" || prefix.length > MAX_BLOB_NAME_LENGTH || prefix.includes("\0")) {
    throw badParameter("prefix", `must be a string of at most ${MAX_BLOB_NAME_LENGTH} characters without NUL`);
  }
  const maxResults: unknown = options.maxResults ?? MAX_LIST_RESULTS;
  if (typeof maxResults !== "number" || !Number.isSafeInteger(maxResults) || maxResults < 1 || maxResults > MAX_LIST_RESULTS) {
    throw badParameter("maxResults", `must be an integer from 1 to ${MAX_LIST_RESULTS}`);
  }
  if (options.marker === undefined) return { prefix, maxResults };
  return { prefix, maxResults, marker: decodeListMarker(options.marker) };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

export function accountNotFound(account: string): KeyholdError {
  return new KeyholdError("NotFound", `The storage account '${echo(account)}' was not found.`, { field: "account" });
}

export function containerNotFound(account: string, container: string): KeyholdError {
  return new KeyholdError("NotFound", `The container '${echo(container)}' was not found in storage account '${echo(account)}'.`, {
    field: "container",
  });
}

export function blobNotFound(name: string): KeyholdError {
  return new KeyholdError("NotFound", `The blob '${echo(name, ECHO_ID_CHARS)}' was not found.`, { field: "blob" });
}

function conflict(name: string, why: string): KeyholdError {
  return new KeyholdError("Conflict", `blob: '${echo(name, ECHO_ID_CHARS)}' cannot be written because ${why}.`, { field: "blob" });
}
