/**
 * A diagnostic setting as the forwarder needs it: which HSM, under which ARM
 * resource id its logs are filed, and which storage account receives them.
 */
import { badParameter } from "../../errors.js";
import { blobNameSegments, checkAccountName } from "../../arm/storage-names.js";
import { auditLogBlobName } from "./azure-log-line.js";

export interface DiagnosticSetting {
  /** The HSM whose audit journal is followed. */
  readonly hsmName: string;
  /** The HSM's ARM resource id, e.g. `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/managedHSMs/<name>`. */
  readonly resourceId: string;
  readonly settingName: string;
  /** The storage account's name (the last segment of `storageAccountId`). */
  readonly storageAccount: string;
  /** `logs: [{ category: "AuditEvent", enabled }]`. */
  readonly auditEventEnabled: boolean;
  /** Events of calls that started before this (unix ms) are not forwarded: Azure forwards from when a setting exists. */
  readonly enabledAt: number;
}

/** Azure allows diagnostic setting names of up to 260 characters. */
const MAX_SETTING_NAME_LENGTH = 260;
const MAX_HSM_NAME_LENGTH = 256;

export function checkDiagnosticSetting(value: DiagnosticSetting): DiagnosticSetting {
  if (typeof value !== "object" || value === null) throw badParameter("setting", "must be an object");
  const hsmName = checkHsmName(value.hsmName);
  const settingName = checkSettingName(value.settingName);
  const resourceId: unknown = value.resourceId;
  if (typeof resourceId !== "string" || !resourceId.startsWith("/")) {
    throw badParameter("resourceId", "must be the ARM id of the HSM, starting with '/'");
  }
  // The id becomes part of every blob name, so it must make a valid one.
  blobNameSegments(auditLogBlobName(resourceId, new Date(0)), "resourceId");
  const storageAccount = checkAccountName(value.storageAccount, "storageAccount");
  const auditEventEnabled: unknown = value.auditEventEnabled;
  if (typeof auditEventEnabled !== "boolean") throw badParameter("auditEventEnabled", "must be true or false");
  const enabledAt: unknown = value.enabledAt;
  if (typeof enabledAt !== "number" || !Number.isSafeInteger(enabledAt) || enabledAt < 0) {
    throw badParameter("enabledAt", "must be a time in milliseconds since the epoch");
  }
  return { hsmName, resourceId, settingName, storageAccount, auditEventEnabled, enabledAt };
}

function checkHsmName(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_HSM_NAME_LENGTH) {
    throw badParameter("hsmName", `must be a non-empty string of at most ${MAX_HSM_NAME_LENGTH} characters`);
  }
  return value;
}

function checkSettingName(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_SETTING_NAME_LENGTH) {
    throw badParameter("settingName", `must be a non-empty string of at most ${MAX_SETTING_NAME_LENGTH} characters`);
  }
  return value;
}
