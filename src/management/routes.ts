/**
 * The management plane's HTTPS routes in Azure Resource Manager shapes. `api-version` is required and must be one
 * its resource provider serves (api-versions.ts); other query options are the operations' own. Every route answers with ARM error codes (arm-errors.ts) and lets its operation choose the
 * status and the long-running-operation headers (arm-reply.ts). ARM spells the resource group segment both
 * `resourceGroups` and `resourcegroups`; both are routed.
 */
import type { OperationRoute } from "../pipeline/http-route.js";
import { ARM_API_VERSIONS, checkApiVersion, providerOfPath } from "./api-versions.js";
import { armErrorCode } from "./arm-errors.js";
import { armResponse } from "./arm-reply.js";
import { originResponse } from "./origin-reply.js";
import { blobContentResponse } from "./storage-account/blob-content-reply.js";

type Method = OperationRoute["method"];

const SUBSCRIPTION = "/subscriptions/:subscriptionId";
const GROUP = `${SUBSCRIPTION}/{resourceGroups}/:resourceGroupName`;
const HSM_COLLECTION = `${GROUP}/providers/Microsoft.KeyVault/managedHSMs`;
const LOCATION = `${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/:location`;
const AUTHORIZATION = "/providers/Microsoft.Authorization";
const STORAGE_COLLECTION = `${GROUP}/providers/Microsoft.Storage/storageAccounts`;
const CONTAINER = `${STORAGE_COLLECTION}/:accountName/blobServices/default/containers/:container`;
const DIAGNOSTIC_SETTINGS = `${HSM_COLLECTION}/:name/providers/Microsoft.Insights/diagnosticSettings`;

/** Every scope a role assignment or definition can sit at, as route prefixes ("" is the tenant root). */
const SCOPE_PREFIXES = [
  "",
  "/providers/Microsoft.Management/managementGroups/:managementGroupId",
  SUBSCRIPTION,
  GROUP,
  `${GROUP}/providers/:providerNamespace/:resourceType/:resourceName`,
];

function routes(method: Method, url: string, operation: string, respond: OperationRoute["respond"] = armResponse): OperationRoute[] {
  const spellings = url.includes("{resourceGroups}")
    ? [url.replace("{resourceGroups}", "resourceGroups"), url.replace("{resourceGroups}", "resourcegroups")]
    : [url];
  const provider = providerOfPath(url);
  const versions = ARM_API_VERSIONS[provider] ?? [];
  const checkRequest = (raw: Readonly<Record<string, unknown>>): void => checkApiVersion(raw["api-version"], provider, versions);
  return spellings.map((spelling) => ({ method, url: spelling, operation, respond, errorCode: armErrorCode, checkRequest }));
}

export const MANAGEMENT_ROUTES: readonly OperationRoute[] = Object.freeze([
  ...routes("PUT", "/providers/Microsoft.Management/managementGroups/:managementGroupId", "ManagementGroupPut"),
  ...routes("GET", "/providers/Microsoft.Management/managementGroups/:managementGroupId", "ManagementGroupGet"),
  ...routes("DELETE", "/providers/Microsoft.Management/managementGroups/:managementGroupId", "ManagementGroupDelete"),
  ...routes("PUT", SUBSCRIPTION, "SubscriptionPut"),
  ...routes("GET", SUBSCRIPTION, "SubscriptionGet"),
  ...routes("GET", "/subscriptions", "SubscriptionList"),
  ...routes("PUT", GROUP, "ResourceGroupPut"),
  ...routes("GET", GROUP, "ResourceGroupGet"),
  ...routes("DELETE", GROUP, "ResourceGroupDelete"),
  ...routes("GET", `${SUBSCRIPTION}/{resourceGroups}`, "ResourceGroupList"),
  ...routes("PUT", `${HSM_COLLECTION}/:name`, "ManagedHsmCreateOrUpdate"),
  ...routes("GET", `${HSM_COLLECTION}/:name`, "ManagedHsmGet"),
  ...routes("PATCH", `${HSM_COLLECTION}/:name`, "ManagedHsmUpdate"),
  ...routes("DELETE", `${HSM_COLLECTION}/:name`, "ManagedHsmDelete"),
  ...routes("GET", HSM_COLLECTION, "ManagedHsmListByResourceGroup"),
  ...routes("GET", `${SUBSCRIPTION}/providers/Microsoft.KeyVault/managedHSMs`, "ManagedHsmListBySubscription"),
  ...routes("GET", `${SUBSCRIPTION}/providers/Microsoft.KeyVault/deletedManagedHSMs`, "DeletedManagedHsmList"),
  ...routes("POST", `${SUBSCRIPTION}/providers/Microsoft.KeyVault/checkMhsmNameAvailability`, "ManagedHsmCheckNameAvailability"),
  ...routes("GET", `${LOCATION}/deletedManagedHSMs/:name`, "DeletedManagedHsmGet"),
  ...routes("POST", `${LOCATION}/deletedManagedHSMs/:name/purge`, "DeletedManagedHsmPurge"),
  ...routes("GET", `${LOCATION}/operationResults/:operationId`, "ManagedHsmOperationResultGet"),
  ...routes("PUT", `${STORAGE_COLLECTION}/:accountName`, "StorageAccountCreate", originResponse),
  ...routes("GET", `${STORAGE_COLLECTION}/:accountName`, "StorageAccountGet", originResponse),
  ...routes("DELETE", `${STORAGE_COLLECTION}/:accountName`, "StorageAccountDelete"),
  ...routes("GET", STORAGE_COLLECTION, "StorageAccountListByResourceGroup", originResponse),
  ...routes("GET", `${SUBSCRIPTION}/providers/Microsoft.Storage/storageAccounts`, "StorageAccountListBySubscription", originResponse),
  ...routes("GET", `${STORAGE_COLLECTION}/:accountName/blobServices/default/containers`, "StorageContainerList", originResponse),
  ...routes("GET", `${CONTAINER}/blobs`, "StorageBlobList", originResponse),
  // The blob name is the rest of the path, slashes included.
  ...routes("GET", `${CONTAINER}/blobs/*`, "StorageBlobGet", blobContentResponse),
  ...routes("PUT", `${DIAGNOSTIC_SETTINGS}/:settingName`, "DiagnosticSettingCreateOrUpdate"),
  ...routes("GET", `${DIAGNOSTIC_SETTINGS}/:settingName`, "DiagnosticSettingGet"),
  ...routes("DELETE", `${DIAGNOSTIC_SETTINGS}/:settingName`, "DiagnosticSettingDelete"),
  ...routes("GET", DIAGNOSTIC_SETTINGS, "DiagnosticSettingList"),
  ...SCOPE_PREFIXES.flatMap((scope) => [
    ...routes("PUT", `${scope}${AUTHORIZATION}/roleAssignments/:name`, "ManagementRoleAssignmentCreate"),
    ...routes("GET", `${scope}${AUTHORIZATION}/roleAssignments/:name`, "ManagementRoleAssignmentGet"),
    ...routes("DELETE", `${scope}${AUTHORIZATION}/roleAssignments/:name`, "ManagementRoleAssignmentDelete"),
    ...routes("GET", `${scope}${AUTHORIZATION}/roleAssignments`, "ManagementRoleAssignmentList"),
    ...routes("GET", `${scope}${AUTHORIZATION}/roleDefinitions/:name`, "ManagementRoleDefinitionGet"),
    ...routes("GET", `${scope}${AUTHORIZATION}/roleDefinitions`, "ManagementRoleDefinitionList"),
  ]),
]);
