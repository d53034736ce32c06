/**
 * On node start the forwarder knows no settings: every stored setting of an HSM that is still served and of a
 * storage account that still exists is handed to it again. A setting that cannot be applied (its journal cannot be
 * opened) is reported in the result and does not stop the others.
 */
import type { Store } from "../../store/index.js";
import { managedHsmId, sameId } from "../../arm/arm-ids.js";
import type { DiagnosticForwarder } from "../diagnostics/index.js";
import { findStorageAccountById } from "../../arm/storage-account-lookup.js";
import { hsmNameOfResourceId } from "./diagnostic-setting-ids.js";
import { AUDIT_EVENT_CATEGORY } from "./diagnostic-setting-input.js";

export interface RestoredDiagnosticSettings {
  readonly restored: number;
  /** Settings of soft-deleted or purged HSMs, or whose storage account is gone. */
  readonly skipped: number;
  readonly failed: readonly { readonly resourceId: string; readonly name: string; readonly error: unknown }[];
}

export async function restoreDiagnosticSettings(store: Store, forwarder: DiagnosticForwarder): Promise<RestoredDiagnosticSettings> {
  let restored = 0;
  let skipped = 0;
  const failed: { resourceId: string; name: string; error: unknown }[] = [];
  for (const setting of await store.management.listDiagnosticSettings()) {
    const hsmName = hsmNameOfResourceId(setting.resourceId);
    const hsm = hsmName === undefined ? undefined : await store.management.findManagedHsmByName(hsmName);
    const account = await findStorageAccountById(store, setting.storageAccountId);
    if (hsm === undefined || hsm.deletedAt !== undefined || account === undefined || !sameId(managedHsmId(hsm), setting.resourceId)) {
      skipped += 1;
      continue;
    }
    try {
      await forwarder.setSetting({
        hsmName: hsm.name,
        resourceId: setting.resourceId,
        settingName: setting.name,
        storageAccount: account.name,
        auditEventEnabled: setting.logs.some((log) => log.category === AUDIT_EVENT_CATEGORY && log.enabled),
      });
      restored += 1;
    } catch (error) {
      failed.push({ resourceId: setting.resourceId, name: setting.name, error });
    }
  }
  return { restored, skipped, failed };
}
