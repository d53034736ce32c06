/**
 * Diagnostic settings of managed HSMs (SPEC section 7): the record in the store says what is wanted, the
 * DiagnosticForwarder does it. A save writes the record and then tells the forwarder; if the forwarder refuses, the
 * previous record is put back, so the store never holds a setting that is not in effect.
 */
import { badParameter } from "../../errors.js";
import type { DiagnosticSettingRecord, ManagedHsmRecord, Store } from "../../store/index.js";
import { managedHsmId } from "../../arm/arm-ids.js";
import type { DiagnosticForwarder } from "../diagnostics/index.js";
import { storageAccountId } from "../../arm/storage-account-ids.js";
import { findStorageAccount } from "../../arm/storage-account-lookup.js";
import { AUDIT_EVENT_CATEGORY, type DiagnosticSettingInput } from "./diagnostic-setting-input.js";

export interface DiagnosticSettingServiceDeps {
  readonly store: Store;
  readonly forwarder: DiagnosticForwarder;
  readonly now: () => number;
}

export class DiagnosticSettingService {
  readonly #deps: DiagnosticSettingServiceDeps;

  constructor(deps: DiagnosticSettingServiceDeps) {
    this.#deps = deps;
  }

  async put(hsm: ManagedHsmRecord, name: string, input: DiagnosticSettingInput): Promise<DiagnosticSettingRecord> {
    const { store, forwarder } = this.#deps;
    const account = await findStorageAccount(store, input.storageAccount);
    if (account === undefined) {
      throw badParameter(
        "properties.storageAccountId",
        `names no storage account of this server: '${storageAccountId(input.storageAccount)}'`,
      );
    }
    const resourceId = managedHsmId(hsm);
    const previous = await store.management.getDiagnosticSetting(resourceId, name);
    // Names compare case-insensitively in the store; the forwarder keys by the stored spelling so both agree.
    const record: DiagnosticSettingRecord = {
      resourceId,
      name: previous?.name ?? name,
      storageAccountId: storageAccountId(account),
      logs: [{ category: AUDIT_EVENT_CATEGORY, enabled: input.auditEventEnabled }],
      createdAt: previous?.createdAt ?? this.#deps.now(),
    };
    await store.management.putDiagnosticSetting(record);
    try {
      await forwarder.setSetting({
        hsmName: hsm.name,
        resourceId,
        settingName: record.name,
        storageAccount: account.name,
        auditEventEnabled: input.auditEventEnabled,
      });
    } catch (error) {
      if (previous === undefined) await store.management.deleteDiagnosticSetting(resourceId, record.name);
      else await store.management.putDiagnosticSetting(previous);
      throw error;
    }
    return record;
  }

  get(hsm: ManagedHsmRecord, name: string): Promise<DiagnosticSettingRecord | undefined> {
    return this.#deps.store.management.getDiagnosticSetting(managedHsmId(hsm), name);
  }

  list(hsm: ManagedHsmRecord): Promise<DiagnosticSettingRecord[]> {
    return this.#deps.store.management.listDiagnosticSettings(managedHsmId(hsm));
  }

  /** Whether there was a setting to delete. Forwarding stops before the record goes, so no event outlives its setting. */
  async delete(hsm: ManagedHsmRecord, name: string): Promise<boolean> {
    const existing = await this.get(hsm, name);
    if (existing === undefined) return false;
    await this.#deps.forwarder.removeSetting(hsm.name, existing.name);
    return this.#deps.store.management.deleteDiagnosticSetting(existing.resourceId, existing.name);
  }
}
