/**
 * Diagnostic settings of managed HSMs (SPEC section 7): the record in the store says what is wanted, and every
 * node's DiagnosticForwarder follows the records (it reads them again when the store's generation moves, which a
 * setting's write does), so a save or a delete through any node applies to all within a forwarder tick.
 */
import { badParameter } from "../../errors.js";
import type { DiagnosticSettingRecord, ManagedHsmRecord, Store } from "../../store/index.js";
import { managedHsmId } from "../../arm/arm-ids.js";
import { storageAccountId } from "../../arm/storage-account-ids.js";
import { findStorageAccount } from "../../arm/storage-account-lookup.js";
import { AUDIT_EVENT_CATEGORY, type DiagnosticSettingInput } from "./diagnostic-setting-input.js";

export interface DiagnosticSettingServiceDeps {
  readonly store: Store;
  readonly now: () => number;
}

export class DiagnosticSettingService {
  readonly #deps: DiagnosticSettingServiceDeps;

  constructor(deps: DiagnosticSettingServiceDeps) {
    this.#deps = deps;
  }

  async put(hsm: ManagedHsmRecord, name: string, input: DiagnosticSettingInput): Promise<DiagnosticSettingRecord> {
    const { store } = this.#deps;
    const account = await findStorageAccount(store, input.storageAccount);
    if (account === undefined) {
      throw badParameter(
        "properties.storageAccountId",
        `names no storage account of this server: '${storageAccountId(input.storageAccount)}'`,
      );
    }
    const resourceId = managedHsmId(hsm);
    const previous = await store.management.getDiagnosticSetting(resourceId, name);
    const accountId = storageAccountId(account);
    // Forwarding starts with the calls made from now on; a save that changes neither the account nor the enabled
    // state (tags of the request aside) keeps going from where it started.
    const unchanged =
      previous !== undefined && previous.storageAccountId === accountId && auditEventEnabled(previous) && input.auditEventEnabled;
    // Names compare case-insensitively in the store; the stored spelling stays.
    const record: DiagnosticSettingRecord = {
      resourceId,
      name: previous?.name ?? name,
      storageAccountId: accountId,
      logs: [{ category: AUDIT_EVENT_CATEGORY, enabled: input.auditEventEnabled }],
      createdAt: previous?.createdAt ?? this.#deps.now(),
      // Compared with audit events' times, which the journals stamp by the wall clock (not the clock tests move).
      enabledAt: unchanged ? previous.enabledAt : Date.now(),
    };
    await store.management.putDiagnosticSetting(record);
    return record;
  }

  get(hsm: ManagedHsmRecord, name: string): Promise<DiagnosticSettingRecord | undefined> {
    return this.#deps.store.management.getDiagnosticSetting(managedHsmId(hsm), name);
  }

  list(hsm: ManagedHsmRecord): Promise<DiagnosticSettingRecord[]> {
    return this.#deps.store.management.listDiagnosticSettings(managedHsmId(hsm));
  }

  /** Whether there was a setting to delete. Each node stops forwarding for it at its next tick. */
  async delete(hsm: ManagedHsmRecord, name: string): Promise<boolean> {
    const existing = await this.get(hsm, name);
    if (existing === undefined) return false;
    return this.#deps.store.management.deleteDiagnosticSetting(existing.resourceId, existing.name);
  }
}

function auditEventEnabled(setting: DiagnosticSettingRecord): boolean {
  return setting.logs.some((log) => log.category === AUDIT_EVENT_CATEGORY && log.enabled);
}
