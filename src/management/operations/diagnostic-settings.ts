/**
 * `{managed HSM id}/providers/Microsoft.Insights/diagnosticSettings/{name}` (SPEC section 7): create or replace, get,
 * delete and list, authorized at the HSM's scope. Only active HSMs have settings; a soft-deleted one answers 404.
 */
import { echo, ECHO_ID_CHARS, KeyholdError } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import { managedHsmId } from "../../arm/arm-ids.js";
import { ok, type ArmReply } from "../arm-reply.js";
import type { JsonObject } from "../body.js";
import { diagnosticSettingId, diagnosticSettingNameParam, DIAGNOSTIC_SETTING_TYPE } from "../diagnostic-settings/diagnostic-setting-ids.js";
import { decodeDiagnosticSetting } from "../diagnostic-settings/diagnostic-setting-input.js";
import { diagnosticSettingResource } from "../diagnostic-settings/diagnostic-setting-resource.js";
import type { DiagnosticSettingService } from "../diagnostic-settings/diagnostic-setting-service.js";
import { hsmTarget, type HsmTarget, type ManagedHsmService } from "../managed-hsm/managed-hsm-service.js";

interface SettingTarget {
  readonly hsm: HsmTarget;
  readonly name: string;
}

function settingTarget(input: JsonObject): SettingTarget {
  return { hsm: hsmTarget(input), name: diagnosticSettingNameParam(input["settingName"]) };
}

const settingId = (t: SettingTarget): string => diagnosticSettingId(managedHsmId(t.hsm), t.name);

function notFound(t: SettingTarget): KeyholdError {
  return new KeyholdError("NotFound", `The diagnostic setting '${echo(settingId(t), ECHO_ID_CHARS)}' was not found.`);
}

export function diagnosticSettingOperations(hsms: ManagedHsmService, settings: DiagnosticSettingService): readonly AnyOperation[] {
  const put = managementOperation({
    name: "DiagnosticSettingCreateOrUpdate",
    decode(raw: unknown) {
      const input = fields(raw);
      return { target: settingTarget(input), body: decodeDiagnosticSetting(input) };
    },
    action: `${DIAGNOSTIC_SETTING_TYPE}/write`,
    scope: (i) => managedHsmId(i.target.hsm),
    describe: (i) => ({ hsmName: i.target.hsm.name, scope: settingId(i.target) }),
    execute: async (input): Promise<ArmReply> =>
      ok(diagnosticSettingResource(await settings.put(await hsms.get(input.target.hsm), input.target.name, input.body))),
  });

  const get = managementOperation({
    name: "DiagnosticSettingGet",
    decode: (raw: unknown) => settingTarget(fields(raw)),
    action: `${DIAGNOSTIC_SETTING_TYPE}/read`,
    scope: (i) => managedHsmId(i.hsm),
    describe: (i) => ({ hsmName: i.hsm.name, scope: settingId(i) }),
    async execute(input): Promise<ArmReply> {
      const record = await settings.get(await hsms.get(input.hsm), input.name);
      if (record === undefined) throw notFound(input);
      return ok(diagnosticSettingResource(record));
    },
  });

  const remove = managementOperation({
    name: "DiagnosticSettingDelete",
    decode: (raw: unknown) => settingTarget(fields(raw)),
    action: `${DIAGNOSTIC_SETTING_TYPE}/delete`,
    scope: (i) => managedHsmId(i.hsm),
    describe: (i) => ({ hsmName: i.hsm.name, scope: settingId(i) }),
    // ARM answers 200 when it deleted the setting and 204 when there was none.
    execute: async (input): Promise<ArmReply> =>
      (await settings.delete(await hsms.get(input.hsm), input.name)) ? ok(undefined) : { status: 204, body: undefined },
  });

  const list = managementOperation({
    name: "DiagnosticSettingList",
    decode: (raw: unknown) => hsmTarget(fields(raw)),
    action: `${DIAGNOSTIC_SETTING_TYPE}/read`,
    scope: managedHsmId,
    describe: (i) => ({ hsmName: i.name }),
    execute: async (input): Promise<ArmReply> => ok({ value: (await settings.list(await hsms.get(input))).map(diagnosticSettingResource) }),
  });

  return [put, get, remove, list];
}
