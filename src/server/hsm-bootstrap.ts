/**
 * HSMs declared in configuration (until the management plane creates them):
 * a stable id derived from tenant and name, the runtime record the pipeline
 * uses, and the initial administrators (whose assignments
 * src/hsm/initial-admins.ts makes).
 */
import { createHash } from "node:crypto";
import type { HsmConfig } from "../config/index.js";
import { badParameter } from "../errors.js";
import type { HsmRuntime } from "../pipeline/hsm-registry.js";
import type { Directory } from "../identity/index.js";
import { managedHsmId } from "../arm/arm-ids.js";

/** A GUID that is the same on every start (and every node) for the same tenant and HSM name. */
function configuredHsmId(tenantId: string, name: string): string {
  const hex = createHash("sha256").update(`keyhold/hsm/${tenantId}/${name.toLowerCase()}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function hsmRuntime(config: HsmConfig, tenantId: string, hsmUriHost: string): HsmRuntime {
  const id = configuredHsmId(tenantId, config.name);
  return {
    id,
    name: config.name,
    // Configured HSMs sit in a resource group of their own, in the subscription named after their tenant.
    resourceId: managedHsmId({ subscriptionId: tenantId, resourceGroup: "keyhold-config", name: config.name }),
    tenantId,
    activation: "Activated",
    networkAcls: config.networkAcls,
    publicNetworkAccess: config.publicNetworkAccess,
    initialAdminObjectIds: [],
    softDeleteRetentionInDays: config.softDeleteRetentionInDays,
    enablePurgeProtection: config.enablePurgeProtection,
    hsmUriHost,
  };
}

/** Resolves principal names to object ids; an unknown principal is a start-up error naming the field. */
export async function resolveInitialAdmins(directory: Directory, tenantId: string, config: HsmConfig, index: number): Promise<string[]> {
  return Promise.all(
    config.initialAdminObjectIds.map(async (nameOrId, i) => {
      try {
        return (await directory.findPrincipal(tenantId, nameOrId)).id;
      } catch {
        throw badParameter(`hsms[${index}].initialAdminObjectIds[${i}]`, `no principal '${nameOrId}' in the tenant`);
      }
    }),
  );
}
