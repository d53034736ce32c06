/**
 * Decoding of managed HSM bodies (reference section 2.4): PUT (create, or recover with createMode "recover") and
 * PATCH. Everything is checked before anything is stored, so a bad body leaves no partial resource.
 */
import { badParameter } from "../../errors.js";
import { requireGuid } from "../../guid.js";
import { compileIpRules } from "../../pipeline/network-rules.js";
import type { ManagedHsmSettings } from "../../store/index.js";
import { locationParam } from "../../arm/arm-ids.js";
import { join, optionalBoolean, optionalEnum, optionalInteger, optionalTags, requestBody, strictObject, type JsonObject } from "../body.js";

const DEFAULT_RETENTION_DAYS = 90;
const MIN_RETENTION_DAYS = 7;
const MAX_RETENTION_DAYS = 90;
const SKU_NAMES = ["Standard_B1", "Custom_B32", "Custom_B6", "Custom_C42", "Custom_C10"] as const;
const SKU_FAMILIES = ["B", "C"] as const;
const MAX_INITIAL_ADMINS = 10;

type NetworkAclsInput = ManagedHsmSettings["networkAcls"];

export interface HsmCreateInput {
  readonly createMode: "default" | "recover";
  readonly location: string;
  readonly sku: { readonly family: string; readonly name: string };
  readonly tags: Readonly<Record<string, string>>;
  readonly tenantId: string | undefined;
  readonly initialAdminObjectIds: readonly string[];
  readonly softDeleteRetentionInDays: number;
  readonly enablePurgeProtection: boolean;
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly networkAcls: NetworkAclsInput;
}

/** A field the body repeats that PATCH cannot change: it must equal the resource's (checked against the stored HSM). */
interface UnchangedField {
  /** The field's path as the error names it, e.g. `location`, `properties.tenantId`. */
  readonly field: string;
  readonly value: unknown;
}

export interface HsmPatchInput {
  readonly unchanged: readonly UnchangedField[];
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly enablePurgeProtection: boolean | undefined;
  readonly softDeleteRetentionInDays: number | undefined;
  readonly publicNetworkAccess: "Enabled" | "Disabled" | undefined;
  readonly networkAcls: NetworkAclsInput | undefined;
}

const CREATE_PROPERTIES = [
  "tenantId",
  "initialAdminObjectIds",
  "softDeleteRetentionInDays",
  "enablePurgeProtection",
  "enableSoftDelete",
  "publicNetworkAccess",
  "networkAcls",
  "createMode",
];
const PATCH_PROPERTIES = ["softDeleteRetentionInDays", "enablePurgeProtection", "enableSoftDelete", "publicNetworkAccess", "networkAcls"];
/**
 * ARM clients PATCH by read-modify-write: they send the whole resource as GET returned it. Fields fixed at creation
 * are accepted when unchanged; read-only status fields are ignored, as ARM does (they may move between GET and PATCH:
 * an HSM is activated, systemData is stamped).
 */
const IMMUTABLE_TOP_LEVEL = ["id", "name", "type", "location", "sku"];
const IMMUTABLE_PROPERTIES = ["tenantId", "initialAdminObjectIds", "hsmUri"];
const READ_ONLY_TOP_LEVEL = ["systemData"];
const READ_ONLY_PROPERTIES = [
  "provisioningState",
  "statusMessage",
  "securityDomainProperties",
  "regions",
  "privateEndpointConnections",
  "scheduledPurgeDate",
];

function sku(value: unknown): { family: string; name: string } {
  if (value === undefined) return { family: "B", name: "Standard_B1" };
  const input = strictObject(value, "sku", ["family", "name"]);
  const name = optionalEnum(input, "name", "sku.name", SKU_NAMES);
  if (name === undefined) throw badParameter("sku.name", `is required: one of ${SKU_NAMES.join(", ")}`);
  // The family is the letter after the underscore: Standard_B1 and Custom_B32 are B, Custom_C42 is C.
  const impliedFamily = name.charAt(name.indexOf("_") + 1);
  const family = optionalEnum(input, "family", "sku.family", SKU_FAMILIES) ?? impliedFamily;
  if (family !== impliedFamily) throw badParameter("sku.family", `must be ${impliedFamily} for ${name}`);
  return { family, name };
}

function adminIds(value: unknown, field: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_INITIAL_ADMINS) {
    throw badParameter(field, `must list 1 to ${MAX_INITIAL_ADMINS} object ids`);
  }
  return Object.freeze(value.map((id: unknown, i) => requireGuid(id, `${field}[${i}]`, "must be an object id (GUID)")));
}

function networkAcls(value: unknown, field: string): NetworkAclsInput {
  const input = strictObject(value, field, ["bypass", "defaultAction", "ipRules", "virtualNetworkRules"]);
  const rules = input["ipRules"] ?? [];
  if (!Array.isArray(rules)) throw badParameter(`${field}.ipRules`, "must be a list of {value: CIDR}");
  const ipRules = rules.map((rule: unknown, i) => {
    const entry = strictObject(rule, `${field}.ipRules[${i}]`, ["value"]);
    if (typeof entry["value"] !== "string")
      throw badParameter(`${field}.ipRules[${i}].value`, "must be an IPv4 or IPv6 address or CIDR range");
    return entry["value"].trim();
  });
  // Parsed now so an invalid range is refused here, naming its index, instead of on the first data-plane call.
  compileIpRules(ipRules, `${field}.ipRules`);
  const virtualNetworkRules = input["virtualNetworkRules"];
  if (virtualNetworkRules !== undefined && (!Array.isArray(virtualNetworkRules) || virtualNetworkRules.length > 0)) {
    throw badParameter(`${field}.virtualNetworkRules`, "must be empty: keyhold has no virtual networks");
  }
  return Object.freeze({
    bypass: optionalEnum(input, "bypass", `${field}.bypass`, ["AzureServices", "None"] as const) ?? "AzureServices",
    defaultAction: optionalEnum(input, "defaultAction", `${field}.defaultAction`, ["Allow", "Deny"] as const) ?? "Allow",
    ipRules: Object.freeze(ipRules),
  });
}

function softDeleteFlag(properties: JsonObject): void {
  // Soft delete is always on (reference 2.4: enableSoftDelete defaults to true and is immutable).
  if (optionalBoolean(properties, "enableSoftDelete", "properties.enableSoftDelete") === false) {
    throw badParameter("properties.enableSoftDelete", "cannot be false: soft delete is always on");
  }
}

export function decodeHsmCreate(raw: JsonObject): HsmCreateInput {
  const body = requestBody(raw, ["location", "sku", "tags", "properties"]);
  const properties = strictObject(body["properties"] ?? {}, "properties", CREATE_PROPERTIES);
  const createMode = optionalEnum(properties, "createMode", "properties.createMode", ["default", "recover"] as const) ?? "default";
  softDeleteFlag(properties);
  const tenantId =
    properties["tenantId"] === undefined
      ? undefined
      : requireGuid(properties["tenantId"], "properties.tenantId", "must be the tenant's GUID");
  if (createMode === "default" && tenantId === undefined) throw badParameter("properties.tenantId", "is required");
  const admins = properties["initialAdminObjectIds"];
  const networkAclsValue = properties["networkAcls"];
  return {
    createMode,
    location: locationParam(body["location"], "location"),
    sku: sku(body["sku"]),
    tags: optionalTags(body, "tags", "tags") ?? {},
    tenantId,
    initialAdminObjectIds: createMode === "recover" && admins === undefined ? [] : adminIds(admins, "properties.initialAdminObjectIds"),
    softDeleteRetentionInDays:
      optionalInteger(
        properties,
        "softDeleteRetentionInDays",
        "properties.softDeleteRetentionInDays",
        MIN_RETENTION_DAYS,
        MAX_RETENTION_DAYS,
      ) ?? DEFAULT_RETENTION_DAYS,
    enablePurgeProtection: optionalBoolean(properties, "enablePurgeProtection", "properties.enablePurgeProtection") ?? false,
    publicNetworkAccess:
      optionalEnum(properties, "publicNetworkAccess", "properties.publicNetworkAccess", ["Enabled", "Disabled"] as const) ?? "Enabled",
    networkAcls:
      networkAclsValue === undefined
        ? { bypass: "AzureServices", defaultAction: "Allow", ipRules: [] }
        : networkAcls(networkAclsValue, "properties.networkAcls"),
  };
}

export function decodeHsmPatch(raw: JsonObject): HsmPatchInput {
  const body = requestBody(raw, ["tags", "properties", ...IMMUTABLE_TOP_LEVEL, ...READ_ONLY_TOP_LEVEL]);
  const properties = strictObject(body["properties"] ?? {}, "properties", [
    ...PATCH_PROPERTIES,
    ...IMMUTABLE_PROPERTIES,
    ...READ_ONLY_PROPERTIES,
  ]);
  softDeleteFlag(properties);
  const networkAclsValue = properties["networkAcls"];
  const unchanged = [
    ...IMMUTABLE_TOP_LEVEL.filter((key) => body[key] !== undefined).map((key) => ({ field: key, value: body[key] })),
    ...IMMUTABLE_PROPERTIES.filter((key) => properties[key] !== undefined).map((key) => ({
      field: `properties.${key}`,
      value: properties[key],
    })),
  ];
  return {
    unchanged,
    tags: optionalTags(body, "tags", "tags"),
    enablePurgeProtection: optionalBoolean(properties, "enablePurgeProtection", "properties.enablePurgeProtection"),
    softDeleteRetentionInDays: optionalInteger(
      properties,
      "softDeleteRetentionInDays",
      "properties.softDeleteRetentionInDays",
      MIN_RETENTION_DAYS,
      MAX_RETENTION_DAYS,
    ),
    publicNetworkAccess: optionalEnum(properties, "publicNetworkAccess", "properties.publicNetworkAccess", [
      "Enabled",
      "Disabled",
    ] as const),
    networkAcls: networkAclsValue === undefined ? undefined : networkAcls(networkAclsValue, join("properties", "networkAcls")),
  };
}
