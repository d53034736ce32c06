/**
 * The body of `PUT .../storageAccounts/{name}` (Azure Storage "Create"): `location`, `sku.name`, `kind` and `tags`.
 * keyhold keeps blobs in its data dir, so replication and tier settings have nothing to act on: the SKU and kind are
 * recorded for ARM clients, and `properties` must be empty rather than silently ignored.
 */
import { badParameter } from "../../errors.js";
import { locationParam } from "../../arm/arm-ids.js";
import { optionalEnum, optionalTags, requestBody, strictObject, type JsonObject } from "../body.js";

const SKU_NAMES = [
  "Standard_LRS",
  "Standard_GRS",
  "Standard_RAGRS",
  "Standard_ZRS",
  "Standard_GZRS",
  "Standard_RAGZRS",
  "Premium_LRS",
  "Premium_ZRS",
] as const;
const KINDS = ["StorageV2", "Storage", "BlobStorage", "BlockBlobStorage", "FileStorage"] as const;

export interface StorageAccountInput {
  readonly location: string;
  readonly sku: string;
  readonly kind: string;
  readonly tags: Readonly<Record<string, string>>;
}

export function decodeStorageAccountCreate(raw: JsonObject): StorageAccountInput {
  const body = requestBody(raw, ["location", "sku", "kind", "tags", "properties"]);
  if (body["properties"] !== undefined) strictObject(body["properties"], "properties", []);
  if (body["sku"] === undefined) throw badParameter("sku", `is required: {"name": one of ${SKU_NAMES.join(", ")}}`);
  const sku = optionalEnum(strictObject(body["sku"], "sku", ["name", "tier"]), "name", "sku.name", SKU_NAMES);
  if (sku === undefined) throw badParameter("sku.name", `is required: one of ${SKU_NAMES.join(", ")}`);
  const kind = optionalEnum(body, "kind", "kind", KINDS);
  if (kind === undefined) throw badParameter("kind", `is required: one of ${KINDS.join(", ")}`);
  return {
    location: locationParam(body["location"], "location"),
    sku,
    kind,
    tags: optionalTags(body, "tags", "tags") ?? {},
  };
}

/** The tier ARM reports is the SKU's prefix. */
export function skuTier(sku: string): string {
  return sku.startsWith("Premium") ? "Premium" : "Standard";
}
