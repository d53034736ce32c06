/**
 * What the store keeps of the management plane (SPEC section 7): the ARM scope tree, managed HSMs as ARM resources,
 * storage accounts and diagnostic settings as records, management role assignments and long-running operations.
 * Times are unix milliseconds. Names and ids compare case-insensitively, as ARM does.
 */

export interface ManagementGroupRecord {
  readonly id: string;
  readonly displayName: string;
  /** The parent group's id; undefined for a group directly under the tenant root. */
  readonly parentId: string | undefined;
  readonly createdAt: number;
}

export interface SubscriptionRecord {
  /** A GUID. */
  readonly id: string;
  readonly displayName: string;
  /** Undefined for a subscription directly under the tenant root. */
  readonly managementGroupId: string | undefined;
  readonly createdAt: number;
}

export interface ResourceGroupRecord {
  readonly subscriptionId: string;
  readonly name: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

type HsmProvisioningState = "Provisioning" | "Succeeded" | "Failed" | "Deleting";
export type HsmActivationState = "Activated" | "NotActivated" | "Restoring";

/** The mutable ARM properties of a managed HSM, stored as one JSON document. */
export interface ManagedHsmSettings {
  readonly initialAdminObjectIds: readonly string[];
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly networkAcls: {
    readonly bypass: "AzureServices" | "None";
    readonly defaultAction: "Allow" | "Deny";
    readonly ipRules: readonly string[];
  };
}

export interface ManagedHsmRecord {
  /** The GUID the data plane keys everything by (local RBAC, keys, journals). */
  readonly hsmId: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Unique on this server among active and soft-deleted HSMs, ignoring case. */
  readonly name: string;
  readonly tenantId: string;
  readonly location: string;
  readonly sku: { readonly family: string; readonly name: string };
  readonly tags: Readonly<Record<string, string>>;
  readonly settings: ManagedHsmSettings;
  readonly softDeleteRetentionInDays: number;
  readonly enablePurgeProtection: boolean;
  readonly provisioningState: HsmProvisioningState;
  readonly activation: HsmActivationState;
  /** Set while soft-deleted. */
  readonly deletedAt: number | undefined;
  readonly scheduledPurgeAt: number | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ManagedHsmPatch = Partial<
  Pick<
    ManagedHsmRecord,
    "tags" | "settings" | "enablePurgeProtection" | "provisioningState" | "activation" | "deletedAt" | "scheduledPurgeAt" | "updatedAt"
  >
>;

export interface StorageAccountRecord {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Unique on this server, ignoring case. */
  readonly name: string;
  readonly location: string;
  readonly sku: string;
  readonly kind: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface DiagnosticSettingRecord {
  /** The ARM id of the resource the setting belongs to (a managed HSM). */
  readonly resourceId: string;
  readonly name: string;
  readonly storageAccountId: string;
  readonly logs: readonly { readonly category: string; readonly enabled: boolean }[];
  readonly createdAt: number;
  /** When its destination last started receiving events (unix ms): events before it are not forwarded. */
  readonly enabledAt: number;
}

export interface ManagementRoleAssignmentRecord {
  /** The GUID; unique across all scopes, as in ARM. */
  readonly name: string;
  /** An ARM scope: `/`, a management group, subscription, resource group or resource id. */
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly createdAt: number;
}

type ArmOperationStatus = "InProgress" | "Succeeded" | "Failed";

/** A long-running ARM operation, polled through its operationResults resource. */
export interface ArmOperationRecord {
  readonly id: string;
  readonly subscriptionId: string;
  /** The resource the operation acts on. */
  readonly resourceId: string;
  readonly status: ArmOperationStatus;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  /** Set when Failed: an ARM error code and message. */
  readonly error: { readonly code: string; readonly message: string } | undefined;
}
