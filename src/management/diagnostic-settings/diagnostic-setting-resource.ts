/** The ARM shape of a diagnostic setting (Azure Monitor "DiagnosticSettingsResource"). */
import type { DiagnosticSettingRecord } from "../../store/index.js";
import { diagnosticSettingId, DIAGNOSTIC_SETTING_TYPE } from "./diagnostic-setting-ids.js";

export function diagnosticSettingResource(record: DiagnosticSettingRecord): Record<string, unknown> {
  return {
    id: diagnosticSettingId(record.resourceId, record.name),
    name: record.name,
    type: DIAGNOSTIC_SETTING_TYPE,
    properties: {
      storageAccountId: record.storageAccountId,
      logs: record.logs.map((log) => ({ category: log.category, enabled: log.enabled })),
      metrics: [],
    },
  };
}
