/** The ARM shapes of a managed HSM and of a deleted one (reference section 2.4). */
import type { ManagedHsmRecord } from "../../store/index.js";
import { deletedManagedHsmId, managedHsmId, MANAGED_HSM_TYPE } from "../../arm/arm-ids.js";

const DAY_MS = 24 * 60 * 60 * 1000;

const ACTIVATION_MESSAGES = {
  Activated: "Your HSM has been activated and can be used for cryptographic operations.",
  NotActivated:
    "Your HSM has been provisioned, but cannot be used for cryptographic operations until it is activated. To activate the HSM, download the security domain.",
  Restoring: "Your HSM is being restored; it cannot be used until the restore has finished.",
} as const;

const iso = (ms: number): string => new Date(ms).toISOString();

export function retentionEnd(record: Pick<ManagedHsmRecord, "softDeleteRetentionInDays">, deletedAt: number): number {
  return deletedAt + record.softDeleteRetentionInDays * DAY_MS;
}

export function managedHsmResource(record: ManagedHsmRecord, vaultUrl: string): Record<string, unknown> {
  const { networkAcls } = record.settings;
  return {
    id: managedHsmId(record),
    name: record.name,
    type: MANAGED_HSM_TYPE,
    location: record.location,
    sku: { ...record.sku },
    tags: { ...record.tags },
    properties: {
      tenantId: record.tenantId,
      initialAdminObjectIds: [...record.settings.initialAdminObjectIds],
      hsmUri: vaultUrl,
      enableSoftDelete: true,
      softDeleteRetentionInDays: record.softDeleteRetentionInDays,
      enablePurgeProtection: record.enablePurgeProtection,
      statusMessage:
        record.provisioningState === "Failed"
          ? "Provisioning failed; delete the HSM and create it again."
          : "The Managed HSM is provisioned and ready to use.",
      provisioningState: record.provisioningState,
      networkAcls: {
        bypass: networkAcls.bypass,
        defaultAction: networkAcls.defaultAction,
        ipRules: networkAcls.ipRules.map((value) => ({ value })),
        virtualNetworkRules: [],
      },
      publicNetworkAccess: record.settings.publicNetworkAccess,
      regions: [],
      securityDomainProperties: {
        activationStatus: record.activation === "Activated" ? "Active" : record.activation,
        activationStatusMessage: ACTIVATION_MESSAGES[record.activation],
      },
    },
    systemData: { createdAt: iso(record.createdAt), lastModifiedAt: iso(record.updatedAt) },
  };
}

export function deletedManagedHsmResource(record: ManagedHsmRecord): Record<string, unknown> {
  const deletedAt = record.deletedAt ?? record.updatedAt;
  return {
    id: deletedManagedHsmId(record.subscriptionId, record.location, record.name),
    name: record.name,
    type: "Microsoft.KeyVault/deletedManagedHSMs",
    properties: {
      mhsmId: managedHsmId(record),
      location: record.location,
      deletionDate: iso(deletedAt),
      scheduledPurgeDate: iso(record.scheduledPurgeAt ?? retentionEnd(record, deletedAt)),
      purgeProtectionEnabled: record.enablePurgeProtection,
      tags: { ...record.tags },
    },
  };
}
