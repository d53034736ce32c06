/**
 * The stored storage account a request or a diagnostic setting names. Account names are unique on the server, so the
 * store finds the account by name; the subscription and resource group must match too (ARM compares them
 * case-insensitively).
 */
import type { StorageAccountRecord, Store } from "../store/index.js";
import { inResourceGroup } from "./arm-ids.js";
import type { StorageAccountTarget } from "./storage-account-ids.js";

export async function findStorageAccount(store: Store, target: StorageAccountTarget): Promise<StorageAccountRecord | undefined> {
  const record = await store.management.getStorageAccount(target.name);
  return record !== undefined && inResourceGroup(record, target) ? record : undefined;
}
