/**
 * Storage accounts (SPEC section 7): a record in the store and an account of the blob storage. Creating writes the
 * record first (the store decides who gets a name) and then the directory; deleting removes the diagnostic settings
 * that write into the account, then the directory, then the record, so a failure part-way leaves a record a retry
 * can delete and never a directory without an owner.
 */
import { KeyholdError } from "../../errors.js";
import type { StorageAccountRecord, Store } from "../../store/index.js";
import { resourceNotFound } from "../arm-errors.js";
import { inResourceGroup, sameId } from "../../arm/arm-ids.js";
import type { BlobStorage } from "../storage/index.js";
import { requireResourceGroup } from "../scope-records.js";
import { storageAccountId, storageAccountTargetOf, type StorageAccountTarget } from "../../arm/storage-account-ids.js";
import { findStorageAccount } from "../../arm/storage-account-lookup.js";
import type { StorageAccountInput } from "./storage-account-input.js";

export interface StorageAccountServiceDeps {
  readonly store: Store;
  readonly blobs: BlobStorage;
  readonly now: () => number;
}

function sameSettings(record: StorageAccountRecord, input: StorageAccountInput): boolean {
  const tags = (t: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(t).sort(([a], [b]) => a.localeCompare(b)));
  return (
    record.location === input.location && record.sku === input.sku && record.kind === input.kind && tags(record.tags) === tags(input.tags)
  );
}

export class StorageAccountService {
  readonly #deps: StorageAccountServiceDeps;

  constructor(deps: StorageAccountServiceDeps) {
    this.#deps = deps;
  }

  /** Creates the account; `created` is false when an identical PUT already did. */
  async create(target: StorageAccountTarget, input: StorageAccountInput): Promise<{ record: StorageAccountRecord; created: boolean }> {
    const { store, blobs } = this.#deps;
    await requireResourceGroup(store, target.subscriptionId, target.resourceGroup);
    const existing = await store.management.getStorageAccount(target.name);
    if (existing !== undefined) return { record: this.#repeatedCreate(existing, target, input), created: false };
    const record: StorageAccountRecord = { ...target, ...input, createdAt: this.#deps.now() };
    await store.management.insertStorageAccount(record);
    try {
      // A directory without a record is what an interrupted delete leaves; its blobs belonged to the old account.
      if (!(await blobs.createAccount(target.name)).created) {
        await blobs.deleteAccount(target.name);
        await blobs.createAccount(target.name);
      }
    } catch (error) {
      await store.management.deleteStorageAccount(target.name);
      throw error;
    }
    return { record, created: true };
  }

  async get(target: StorageAccountTarget): Promise<StorageAccountRecord> {
    const record = await findStorageAccount(this.#deps.store, target);
    if (record === undefined) throw resourceNotFound(storageAccountId(target));
    return record;
  }

  /** Whether there was an account to delete. */
  async delete(target: StorageAccountTarget): Promise<boolean> {
    const { store, blobs } = this.#deps;
    const record = await findStorageAccount(store, target);
    if (record === undefined) return false;
    for (const setting of await store.management.listDiagnosticSettings()) {
      if (!writesInto(setting.storageAccountId, record)) continue;
      await store.management.deleteDiagnosticSetting(setting.resourceId, setting.name);
    }
    await blobs.deleteAccount(record.name).catch((error: unknown) => {
      if (!(error instanceof KeyholdError && error.code === "NotFound")) throw error;
    });
    await store.management.deleteStorageAccount(record.name);
    return true;
  }

  list(filter: { readonly subscriptionId: string; readonly resourceGroup?: string }): Promise<StorageAccountRecord[]> {
    return this.#deps.store.management.listStorageAccounts(filter);
  }

  #repeatedCreate(existing: StorageAccountRecord, target: StorageAccountTarget, input: StorageAccountInput): StorageAccountRecord {
    if (!inResourceGroup(existing, target)) {
      throw new KeyholdError("Conflict", `The storage account name '${target.name}' is already taken.`, { field: "name" });
    }
    if (!sameSettings(existing, input)) {
      throw new KeyholdError(
        "Conflict",
        `The storage account '${target.name}' exists with another location, sku, kind or tags; keyhold does not change them after creation.`,
      );
    }
    return existing;
  }
}

/** By name alone: the forwarder writes into the account of that name, whatever group the id says. */
function writesInto(destinationId: string, account: StorageAccountRecord): boolean {
  const destination = storageAccountTargetOf(destinationId);
  return destination !== undefined && sameId(destination.name, account.name);
}
