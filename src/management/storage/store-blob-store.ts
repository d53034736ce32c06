/**
 * Storage accounts whose blobs live in the store (SPEC section 14): with PostgreSQL, a backup written through one
 * node is read through another, and nodes on different machines share no file system. It answers as BlobStore
 * does (same names, checks, errors and listing order); an append lands whole in one statement, so appends of
 * several nodes to one blob never tear a line.
 */
import type { BlobRepository } from "../../store/store.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { blobNameSegments, checkAccountName, checkContainerName } from "../../arm/storage-names.js";
import { encodeListMarker } from "./list-marker.js";
import {
  accountNotFound,
  blobNotFound,
  checkListOptions,
  containerNotFound,
  type AppendBlobOptions,
  type BlobList,
  type BlobListOptions,
  type BlobStorage,
} from "./blob-store.js";

export class StoreBlobStore implements BlobStorage {
  readonly #blobs: BlobRepository;
  readonly #now: () => number;

  constructor(blobs: BlobRepository, now: () => number = Date.now) {
    this.#blobs = blobs;
    this.#now = now;
  }

  async createAccount(name: string): Promise<{ created: boolean }> {
    return { created: await this.#blobs.createAccount(checkAccountName(name), this.#now()) };
  }

  async deleteAccount(name: string): Promise<void> {
    if (!(await this.#blobs.deleteAccount(checkAccountName(name)))) throw accountNotFound(name);
  }

  accountExists(name: string): Promise<boolean> {
    return this.#blobs.accountExists(checkAccountName(name));
  }

  async createContainer(account: string, container: string): Promise<{ created: boolean }> {
    const outcome = await this.#blobs.createContainer(checkAccountName(account, "account"), checkContainerName(container), this.#now());
    if (outcome === "noAccount") throw accountNotFound(account);
    return { created: outcome === "created" };
  }

  async listContainers(account: string): Promise<string[]> {
    const containers = await this.#blobs.listContainers(checkAccountName(account, "account"));
    if (containers === undefined) throw accountNotFound(account);
    return containers;
  }

  async listBlobs(account: string, container: string, options: BlobListOptions = {}): Promise<BlobList> {
    const { prefix, maxResults, marker } = checkListOptions(options);
    await this.#requireContainer(account, container);
    // One more than the page: whether a next page exists without counting the rest.
    const rows = await this.#blobs.listBlobs(account, container, { prefix, after: marker, limit: maxResults + 1 });
    const page = rows.slice(0, maxResults);
    const value = page.map((row) => ({ name: row.name, size: row.size, lastModified: new Date(row.modifiedAt).toISOString() }));
    const last = page.at(-1);
    return rows.length > maxResults && last !== undefined ? { value, nextMarker: encodeListMarker(last.name) } : { value };
  }

  async readBlob(account: string, container: string, name: string): Promise<Buffer> {
    blobNameSegments(name);
    await this.#requireContainer(account, container);
    const content = await this.#blobs.readBlob(account, container, name);
    if (content === undefined) throw blobNotFound(name);
    return Buffer.from(content);
  }

  /** Every append is durable when it resolves (the store commits synchronously), so `sync` changes nothing here. */
  async appendBlob(account: string, container: string, name: string, data: Uint8Array, _options: AppendBlobOptions = {}): Promise<void> {
    checkAccountName(account, "account");
    checkContainerName(container);
    blobNameSegments(name);
    if (!(data instanceof Uint8Array)) throw badParameter("data", "must be bytes (a Buffer or Uint8Array)");
    if (await this.#blobs.appendBlob(account, container, name, data, this.#now())) return;
    await this.#requireContainer(account, container);
    throw new KeyholdError("Unavailable", `The blob '${name}' could not be written.`);
  }

  async #requireContainer(account: string, container: string): Promise<void> {
    checkAccountName(account, "account");
    checkContainerName(container);
    if (await this.#blobs.containerExists(account, container)) return;
    if (!(await this.#blobs.accountExists(account))) throw accountNotFound(account);
    throw containerNotFound(account, container);
  }
}
