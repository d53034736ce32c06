/**
 * The body of `PUT {resourceId}/providers/Microsoft.Insights/diagnosticSettings/{name}` (Azure Monitor "Diagnostic
 * Settings - Create Or Update"), restricted to what keyhold delivers: a storage account destination and the one log
 * category of a managed HSM, AuditEvent.
 */
import { badParameter } from "../../errors.js";
import { optionalBoolean, requestBody, strictObject, type JsonObject } from "../body.js";
import { parseStorageAccountId, type StorageAccountTarget } from "../../arm/storage-account-ids.js";

export const AUDIT_EVENT_CATEGORY = "AuditEvent";

export interface DiagnosticSettingInput {
  readonly storageAccount: StorageAccountTarget;
  readonly auditEventEnabled: boolean;
}

export function decodeDiagnosticSetting(raw: JsonObject): DiagnosticSettingInput {
  const body = requestBody(raw, ["properties"]);
  if (body["properties"] === undefined) throw badParameter("properties", "is required: {storageAccountId, logs}");
  const properties = strictObject(body["properties"], "properties", ["storageAccountId", "logs"]);
  if (properties["storageAccountId"] === undefined) throw badParameter("properties.storageAccountId", "is required");
  return {
    storageAccount: parseStorageAccountId(properties["storageAccountId"], "properties.storageAccountId"),
    auditEventEnabled: auditEventEnabled(properties["logs"]),
  };
}

function auditEventEnabled(value: unknown): boolean {
  const field = "properties.logs";
  if (!Array.isArray(value) || value.length !== 1) {
    throw badParameter(field, `must list exactly one entry: [{"category": "${AUDIT_EVENT_CATEGORY}", "enabled": true}]`);
  }
  const entry = strictObject(value[0], `${field}[0]`, ["category", "enabled"]);
  const category = entry["category"];
  if (typeof category !== "string" || category.toLowerCase() !== AUDIT_EVENT_CATEGORY.toLowerCase()) {
    throw badParameter(`${field}[0].category`, `must be ${AUDIT_EVENT_CATEGORY}, the only log category of a managed HSM`);
  }
  const enabled = optionalBoolean(entry, "enabled", `${field}[0].enabled`);
  if (enabled === undefined) throw badParameter(`${field}[0].enabled`, "is required: true or false");
  return enabled;
}
