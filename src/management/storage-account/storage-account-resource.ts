/** The ARM shape of a storage account (Azure Storage "Get Properties"), with its blob endpoint on this server. */
import type { StorageAccountRecord } from "../../store/index.js";
import { blobServicePath, storageAccountId, STORAGE_ACCOUNT_TYPE } from "../../arm/storage-account-ids.js";
import { skuTier } from "./storage-account-input.js";

/** `origin` is `https://host:port` as the client called the server, where the account's blobs are read too. */
export function storageAccountResource(record: StorageAccountRecord, origin: string): Record<string, unknown> {
  return {
    id: storageAccountId(record),
    name: record.name,
    type: STORAGE_ACCOUNT_TYPE,
    location: record.location,
    sku: { name: record.sku, tier: skuTier(record.sku) },
    kind: record.kind,
    tags: { ...record.tags },
    properties: {
      provisioningState: "Succeeded",
      creationTime: new Date(record.createdAt).toISOString(),
      primaryLocation: record.location,
      statusOfPrimary: "available",
      primaryEndpoints: { blob: `${origin}${blobServicePath(record)}` },
    },
  };
}
