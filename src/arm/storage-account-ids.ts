/**
 * ARM ids of storage accounts (`.../providers/Microsoft.Storage/storageAccounts/{name}`) and of their blob service,
 * which is where keyhold serves container and blob reads (SPEC section 7).
 */
import { badParameter } from "../errors.js";
import { resourceGroupNameParam, resourceGroupScope, subscriptionIdParam } from "./arm-ids.js";
import { checkAccountName } from "./storage-names.js";

export const STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts";

export interface StorageAccountTarget {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export function storageAccountId(target: StorageAccountTarget): string {
  return `${resourceGroupScope(target.subscriptionId, target.resourceGroup)}/providers/${STORAGE_ACCOUNT_TYPE}/${target.name}`;
}

/** Where the account's containers are read: `<account id>/blobServices/default`. */
export function blobServicePath(target: StorageAccountTarget): string {
  return `${storageAccountId(target)}/blobServices/default`;
}

/** The account addressed by the route's parameters (`subscriptionId`, `resourceGroupName`, `accountName`). */
export function storageAccountTarget(input: Readonly<Record<string, unknown>>): StorageAccountTarget {
  return {
    subscriptionId: subscriptionIdParam(input["subscriptionId"]),
    resourceGroup: resourceGroupNameParam(input["resourceGroupName"]),
    name: checkAccountName(input["accountName"], "accountName"),
  };
}

const ACCOUNT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

/** A full storage account id, as diagnostic settings name their destination. */
export function parseStorageAccountId(value: unknown, field: string): StorageAccountTarget {
  const match = typeof value === "string" ? ACCOUNT_ID.exec(value.trim()) : null;
  if (match === null) {
    throw badParameter(
      field,
      "must be a storage account id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>",
    );
  }
  return {
    subscriptionId: subscriptionIdParam(match[1], field),
    resourceGroup: resourceGroupNameParam(match[2], field),
    name: checkAccountName(match[3], field),
  };
}

/** The account an id read back from the store names, or undefined when it is not a storage account id. */
export function storageAccountTargetOf(id: string): StorageAccountTarget | undefined {
  try {
    return parseStorageAccountId(id, "storageAccountId");
  } catch {
    return undefined;
  }
}
