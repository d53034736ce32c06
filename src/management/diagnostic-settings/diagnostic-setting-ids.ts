/** ARM ids of diagnostic settings: `{resourceId}/providers/Microsoft.Insights/diagnosticSettings/{name}`. */
import { badParameter } from "../../errors.js";

export const DIAGNOSTIC_SETTING_TYPE = "Microsoft.Insights/diagnosticSettings";

// Azure Monitor refuses these characters in setting names; keyhold also keeps them to one URL path segment.
const SETTING_NAME = /^[^/\\%&:?+<>*#\s][^/\\%&:?+<>*#]{0,259}$/;

export function diagnosticSettingNameParam(value: unknown, field = "settingName"): string {
  if (typeof value !== "string" || !SETTING_NAME.test(value) || value.trimEnd() !== value) {
    throw badParameter(field, "must be 1 to 260 characters without / \\ % & : ? + < > * # and without leading or trailing spaces");
  }
  return value;
}

export function diagnosticSettingId(resourceId: string, name: string): string {
  return `${resourceId}/providers/${DIAGNOSTIC_SETTING_TYPE}/${name}`;
}

const MANAGED_HSM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/managedHSMs\/([^/]+)$/i;

/** The HSM name in a managed HSM's ARM id, or undefined for another kind of resource. */
export function hsmNameOfResourceId(resourceId: string): string | undefined {
  return MANAGED_HSM_ID.exec(resourceId)?.[1];
}
