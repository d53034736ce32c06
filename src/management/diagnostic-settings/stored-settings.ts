/**
 * The stored diagnostic settings as every node's forwarder follows them: it reads them again whenever the store's
 * generation moved (the settings table moves it), so a setting made through any node reaches every node's next tick.
 * A setting whose HSM is soft-deleted or whose storage account is gone forwards nothing (`auditEventEnabled` false)
 * and keeps its place in the journals for when the HSM is recovered; one whose HSM no longer exists is left out.
 */
import type { Store } from "../../store/index.js";
import { managedHsmId, sameId } from "../../arm/arm-ids.js";
import { storageAccountTargetOf } from "../../arm/storage-account-ids.js";
import { findStorageAccount } from "../../arm/storage-account-lookup.js";
import type { DiagnosticSetting } from "../diagnostics/setting.js";
import { hsmNameOfResourceId } from "./diagnostic-setting-ids.js";
import { AUDIT_EVENT_CATEGORY } from "./diagnostic-setting-input.js";

export async function storedDiagnosticSettings(store: Store): Promise<DiagnosticSetting[]> {
  const settings: DiagnosticSetting[] = [];
  for (const setting of await store.management.listDiagnosticSettings()) {
    const hsmName = hsmNameOfResourceId(setting.resourceId);
    const hsm = hsmName === undefined ? undefined : await store.management.findManagedHsmByName(hsmName);
    const target = storageAccountTargetOf(setting.storageAccountId);
    if (hsm === undefined || target === undefined || !sameId(managedHsmId(hsm), setting.resourceId)) continue;
    const account = await findStorageAccount(store, target);
    settings.push({
      hsmName: hsm.name,
      resourceId: setting.resourceId,
      settingName: setting.name,
      storageAccount: account?.name ?? target.name.toLowerCase(),
      auditEventEnabled:
        hsm.deletedAt === undefined &&
        account !== undefined &&
        setting.logs.some((log) => log.category === AUDIT_EVENT_CATEGORY && log.enabled),
      enabledAt: setting.enabledAt,
    });
  }
  return settings;
}
