/**
 * The container a job reads or writes, from the caller's `storageAccount` (a
 * name, or the account's ARM id as `az` passes it) and `container`. The account
 * must be one the management plane created, and the container must exist.
 */
import { KeyholdError } from "../../errors.js";
import { parseStorageAccountId } from "../../arm/storage-account-ids.js";
import { findStorageAccount } from "../../arm/storage-account-lookup.js";
import { checkAccountName, checkContainerName } from "../../arm/storage-names.js";
import type { Store } from "../../store/index.js";
import { listFolder, type BackupLocation, type BackupStorage } from "./storage.js";

export interface StorageRequest {
  readonly storageAccount: string;
  readonly container: string;
}

/** Syntax only: what decode can check without I/O. */
export function storageRequest(input: Readonly<Record<string, unknown>>): StorageRequest {
  const account = input["storageAccount"];
  if (typeof account === "string" && account.startsWith("/")) parseStorageAccountId(account, "storageAccount");
  else checkAccountName(account, "storageAccount");
  return { storageAccount: account as string, container: checkContainerName(input["container"], "container") };
}

/** The container, and the blobs already in `folder` (which also proves the container exists). */
export async function resolveLocation(
  store: Store,
  storage: BackupStorage,
  request: StorageRequest,
  folder: string,
  options: { readonly createContainer?: boolean } = {},
): Promise<{ location: BackupLocation; folderBlobs: readonly string[] }> {
  const record = request.storageAccount.startsWith("/")
    ? await findStorageAccount(store, parseStorageAccountId(request.storageAccount, "storageAccount"))
    : await store.management.getStorageAccount(request.storageAccount);
  if (record === undefined) {
    throw new KeyholdError("NotFound", `The storage account '${request.storageAccount}' was not found.`, { field: "storageAccount" });
  }
  const location = { storageAccount: record.name, container: request.container };
  if (options.createContainer === true) await storage.createContainer(record.name, request.container);
  // Fails with NotFound naming the account or the container when either is missing.
  return { location, folderBlobs: await listFolder(storage, location, folder) };
}
