/** A stored managed HSM for store tests: served (Succeeded, Activated) unless `overrides` say otherwise. */
import type { ManagedHsmRecord } from "../../src/store/index.js";

export const managedHsmRecord = (name: string, overrides: Partial<ManagedHsmRecord> = {}): ManagedHsmRecord => ({
  hsmId: `id-${name}`,
  subscriptionId: "SUB-1",
  resourceGroup: "RG",
  name,
  tenantId: "t",
  location: "westeurope",
  sku: { family: "B", name: "Standard_B1" },
  tags: { env: "test" },
  settings: {
    initialAdminObjectIds: ["a"],
    publicNetworkAccess: "Enabled",
    networkAcls: { bypass: "None", defaultAction: "Allow", ipRules: [] },
  },
  softDeleteRetentionInDays: 7,
  enablePurgeProtection: false,
  provisioningState: "Succeeded",
  activation: "Activated",
  deletedAt: undefined,
  scheduledPurgeAt: undefined,
  createdAt: 1,
  updatedAt: 1,
  ...overrides,
});
