/**
 * One decodable input for every operation of the production table, keyed by operation name, shared by every test that
 * walks the table (test/hsm/pipeline.test.ts proves that each operation has one). Inputs decode; whether the call then
 * succeeds depends on the test's state, which is the point: the walks assert what happens before the handler.
 */
import { randomUUID } from "node:crypto";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { wrappingFixtures } from "../hsm/security-domain/fixtures.js";

/** What a sample may need from the test's world. */
export interface SampleContext {
  /** A principal of the tenant that exists (role assignments, CheckAccess, initial HSM administrators). */
  readonly principalId: string;
  readonly tenantId: string;
}

const SOME_GUID = "6f1d3c1e-0b7a-4c3e-9d55-2a7b8c9d0e1f";

export const OPERATION_SAMPLES: Readonly<Record<string, (context: SampleContext) => unknown>> = Object.freeze({
  RoleDefinitionList: () => ({ scope: "/" }),
  RoleDefinitionGet: () => ({ scope: "/", name: MANAGED_HSM_CRYPTO_USER.name }),
  RoleDefinitionSet: () => ({
    scope: "/",
    name: randomUUID(),
    roleDefinition: {
      roleName: `role-${randomUUID()}`,
      permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"] }],
    },
  }),
  RoleDefinitionDelete: () => ({ scope: "/", name: SOME_GUID }),
  RoleAssignmentList: () => ({ scope: "/" }),
  RoleAssignmentGet: () => ({ scope: "/", name: SOME_GUID }),
  RoleAssignmentCreate: (context) => ({ scope: "/keys/a", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: context.principalId }),
  RoleAssignmentDelete: () => ({ scope: "/", name: SOME_GUID }),
  CheckAccess: (context) => ({
    principalId: context.principalId,
    action: "Microsoft.KeyVault/managedHsm/keys/sign/action",
    scope: "/keys/a",
  }),
  DirectoryUserCreate: () => ({
    body: { userPrincipalName: `u-${randomUUID()}@contoso.test`, displayName: "U", passwordProfile: { password: "Secret-password-1!" } },
  }),
  DirectoryUserList: () => ({}),
  DirectoryUserGet: () => ({ id: SOME_GUID }),
  DirectoryUserUpdate: () => ({ id: SOME_GUID, body: { displayName: "V" } }),
  DirectoryUserDelete: () => ({ id: SOME_GUID }),
  DirectoryGroupCreate: () => ({ body: { displayName: "G" } }),
  DirectoryGroupList: () => ({}),
  DirectoryGroupGet: () => ({ id: SOME_GUID }),
  DirectoryGroupUpdate: () => ({ id: SOME_GUID, body: { displayName: "H" } }),
  DirectoryGroupDelete: () => ({ id: SOME_GUID }),
  DirectoryServicePrincipalCreate: () => ({ body: { displayName: "App" } }),
  DirectoryServicePrincipalList: () => ({}),
  DirectoryServicePrincipalGet: () => ({ id: SOME_GUID }),
  DirectoryServicePrincipalUpdate: () => ({ id: SOME_GUID, body: { displayName: "App2" } }),
  DirectoryServicePrincipalDelete: () => ({ id: SOME_GUID }),
  DirectoryServicePrincipalAddPassword: () => ({ id: SOME_GUID, body: {} }),
  DirectoryGroupMemberAdd: () => ({ id: SOME_GUID, body: { "@odata.id": `https://graph.test/v1.0/directoryObjects/${SOME_GUID}` } }),
  DirectoryGroupMemberRemove: () => ({ id: SOME_GUID, memberId: SOME_GUID }),
  DirectoryGroupMemberList: () => ({ id: SOME_GUID }),
  KeyCreate: () => ({ name: `k-${randomUUID().slice(0, 8)}`, kty: "EC", crv: "P-256" }),
  KeyImport: () => ({ name: `i-${randomUUID().slice(0, 8)}`, key: { kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") } }),
  KeyGet: () => ({ name: "absent" }),
  KeyReleasePolicyGet: () => ({ name: "absent" }),
  KeyList: () => ({}),
  KeyListVersions: () => ({ name: "absent" }),
  KeyUpdate: () => ({ name: "absent", tags: { values: { a: "b" } } }),
  KeyDelete: () => ({ name: "absent" }),
  KeyGetDeleted: () => ({ name: "absent" }),
  KeyListDeleted: () => ({}),
  KeyRecover: () => ({ name: "absent" }),
  KeyPurge: () => ({ name: "absent" }),
  KeyBackup: () => ({ name: "absent" }),
  KeyRestore: () => ({ value: new Uint8Array(64) }),
  KeyRotate: () => ({ name: "absent" }),
  KeyRotationPolicyGet: () => ({ name: "absent" }),
  KeyRotationPolicySet: () => ({
    name: "absent",
    policy: { lifetimeActions: [{ timeAfterCreate: "P30D", action: "Rotate" }], expiryTime: "P90D" },
  }),
  RandomBytes: () => ({ count: 16 }),
  KeySign: () => ({ name: "absent", algorithm: "ES256", digest: new Uint8Array(32) }),
  KeyVerify: () => ({ name: "absent", algorithm: "ES256", digest: new Uint8Array(32), signature: new Uint8Array(64) }),
  KeyEncryptBatch: () => ({ name: "absent", algorithm: "A256GCM", items: [{ plaintext: new Uint8Array(5) }] }),
  KeyDecryptBatch: () => ({
    name: "absent",
    algorithm: "A256GCM",
    items: [{ ciphertext: new Uint8Array(5), iv: new Uint8Array(12), tag: new Uint8Array(16) }],
  }),
  KeyWrapBatch: () => ({ name: "absent", algorithm: "A256KW", keys: [new Uint8Array(32)] }),
  KeyUnwrapBatch: () => ({ name: "absent", algorithm: "A256KW", wrappedKeys: [new Uint8Array(40)] }),
  KeySignBatch: () => ({ name: "absent", algorithm: "ES256", digests: [new Uint8Array(32), new Uint8Array(32)] }),
  KeyVerifyBatch: () => ({
    name: "absent",
    algorithm: "ES256",
    items: [{ digest: new Uint8Array(32), signature: new Uint8Array(64) }],
  }),
  KeyEncrypt: () => ({ name: "absent", algorithm: "RSA-OAEP-256", plaintext: new Uint8Array(16) }),
  KeyDecrypt: () => ({ name: "absent", algorithm: "RSA-OAEP-256", ciphertext: new Uint8Array(256) }),
  KeyWrap: () => ({ name: "absent", algorithm: "A256KW", key: new Uint8Array(32) }),
  KeyUnwrap: () => ({ name: "absent", algorithm: "A256KW", wrappedKey: new Uint8Array(40) }),
  SecurityDomainDownload: () => ({ certificates: wrappingFixtures(3).map((f) => f.certificateJwk), required: 2 }),
  SecurityDomainStatus: () => ({}),
  SecurityDomainTransferKey: () => ({}),
  SecurityDomainUpload: () => ({ securityDomain: "{}" }),
  BackupStart: () => ({ storageAccount: "acct1", container: "backups" }),
  BackupStatus: () => ({ jobId: "0123456789abcdef0123456789abcdef" }),
  RestoreStart: () => ({ storageAccount: "acct1", container: "backups", folder: "mhsm-contoso-hsm-20261129000000" }),
  SelectiveKeyRestoreStart: () => ({
    storageAccount: "acct1",
    container: "backups",
    folder: "mhsm-contoso-hsm-20261129000000",
    keyName: "k",
  }),
  RestoreStatus: () => ({ jobId: "0123456789abcdef0123456789abcdef" }),
  ManagementGroupPut: () => ({ managementGroupId: "mg-1", body: {} }),
  ManagementGroupGet: () => ({ managementGroupId: "mg-1" }),
  ManagementGroupDelete: () => ({ managementGroupId: "mg-1" }),
  SubscriptionPut: () => ({ subscriptionId: SOME_GUID, body: { displayName: "S" } }),
  SubscriptionGet: () => ({ subscriptionId: SOME_GUID }),
  SubscriptionList: () => ({}),
  ResourceGroupPut: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", body: { location: "westus" } }),
  ResourceGroupGet: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg" }),
  ResourceGroupDelete: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg" }),
  ResourceGroupList: () => ({ subscriptionId: SOME_GUID }),
  ManagedHsmCreateOrUpdate: (context) => ({
    subscriptionId: SOME_GUID,
    resourceGroupName: "rg",
    name: "hsm-x",
    body: {
      location: "westus",
      sku: { family: "B", name: "Standard_B1" },
      properties: { tenantId: context.tenantId, initialAdminObjectIds: [context.principalId] },
    },
  }),
  ManagedHsmGet: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x" }),
  ManagedHsmUpdate: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x", body: { tags: { a: "b" } } }),
  ManagedHsmDelete: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x" }),
  ManagedHsmListByResourceGroup: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg" }),
  ManagedHsmListBySubscription: () => ({ subscriptionId: SOME_GUID }),
  DeletedManagedHsmList: () => ({ subscriptionId: SOME_GUID }),
  DeletedManagedHsmGet: () => ({ subscriptionId: SOME_GUID, location: "westus", name: "hsm-x" }),
  DeletedManagedHsmPurge: () => ({ subscriptionId: SOME_GUID, location: "westus", name: "hsm-x" }),
  ManagedHsmCheckNameAvailability: () => ({ subscriptionId: SOME_GUID, body: { name: "some-hsm" } }),
  ManagedHsmOperationResultGet: () => ({
    subscriptionId: SOME_GUID,
    location: "westus",
    operationId: SOME_GUID,
    resourceId: `/subscriptions/${SOME_GUID}/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/hsm-x`,
  }),
  ManagementRoleAssignmentCreate: (context) => ({
    name: randomUUID(),
    body: {
      properties: {
        roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        principalId: context.principalId,
      },
    },
  }),
  ManagementRoleAssignmentGet: () => ({ name: SOME_GUID }),
  ManagementRoleAssignmentDelete: () => ({ name: SOME_GUID }),
  ManagementRoleAssignmentList: () => ({}),
  ManagementRoleDefinitionGet: () => ({ name: "acdd72a7-3385-48ef-bd42-f606fba81ae7" }),
  ManagementRoleDefinitionList: () => ({}),
  StorageAccountCreate: () => ({
    subscriptionId: SOME_GUID,
    resourceGroupName: "rg",
    accountName: "acct1",
    body: { location: "westus", sku: { name: "Standard_LRS" }, kind: "StorageV2" },
  }),
  StorageAccountGet: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", accountName: "acct1" }),
  StorageAccountDelete: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", accountName: "acct1" }),
  StorageAccountListByResourceGroup: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg" }),
  StorageAccountListBySubscription: () => ({ subscriptionId: SOME_GUID }),
  StorageContainerList: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", accountName: "acct1" }),
  StorageBlobList: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", accountName: "acct1", container: "logs" }),
  StorageBlobGet: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", accountName: "acct1", container: "logs", "*": "a/b.json" }),
  DiagnosticSettingCreateOrUpdate: () => ({
    subscriptionId: SOME_GUID,
    resourceGroupName: "rg",
    name: "hsm-x",
    settingName: "s1",
    body: {
      properties: {
        storageAccountId: `/subscriptions/${SOME_GUID}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct1`,
        logs: [{ category: "AuditEvent", enabled: true }],
      },
    },
  }),
  DiagnosticSettingGet: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x", settingName: "s1" }),
  DiagnosticSettingDelete: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x", settingName: "s1" }),
  DiagnosticSettingList: () => ({ subscriptionId: SOME_GUID, resourceGroupName: "rg", name: "hsm-x" }),
});

/** The sample input of `operation`; a walk over an operation without one fails naming it. */
export function sampleInput(operation: string, context: SampleContext): unknown {
  const sample = OPERATION_SAMPLES[operation];
  if (sample === undefined) throw new Error(`no sample input for ${operation}: add one to test/helpers/operation-samples.ts`);
  return sample(context);
}
