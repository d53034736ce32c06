/**
 * ARM resource ids and the names inside them (SPEC section 7). ARM ids compare case-insensitively; these helpers
 * keep the caller's spelling and validate every name, so an id built here always parses as an ARM scope.
 */
import { RESERVED_HSM_NAME } from "../audit/paths.js";
import { badParameter } from "../errors.js";
import { requireGuid } from "../guid.js";

export { authorizationResourceId } from "../authz/index.js";

export const ROOT_SCOPE = "/";
export const MANAGED_HSM_TYPE = "Microsoft.KeyVault/managedHSMs";

// Management group ids and resource group names: ARM allows letters, digits, `-_.()`, up to 90, not ending in ".".
const CONTAINER_NAME = /^[-\w.()]{1,90}$/;
// Managed HSM names: 3-24 alphanumerics and hyphens, starting with a letter (the ARM spec's pattern).
const HSM_NAME = /^[a-zA-Z][a-zA-Z0-9-]{2,23}$/;
const LOCATION = /^[a-zA-Z0-9]{1,64}$/;

function containerName(value: unknown, field: string): string {
  if (typeof value !== "string" || !CONTAINER_NAME.test(value) || value.endsWith(".")) {
    throw badParameter(field, "must be 1 to 90 letters, digits or -_.() and must not end with a period");
  }
  return value;
}

export function managementGroupIdParam(value: unknown, field = "managementGroupId"): string {
  return containerName(value, field);
}

export function resourceGroupNameParam(value: unknown, field = "resourceGroupName"): string {
  return containerName(value, field);
}

export function subscriptionIdParam(value: unknown, field = "subscriptionId"): string {
  return requireGuid(value, field, "must be a subscription GUID");
}

export function hsmNameParam(value: unknown, field = "name"): string {
  if (typeof value !== "string" || !HSM_NAME.test(value)) {
    throw badParameter(field, "must be 3 to 24 letters, digits or hyphens, starting with a letter");
  }
  // The management plane's audit journal is kept under that name.
  if (value.toLowerCase() === RESERVED_HSM_NAME) throw badParameter(field, `'${value}' is reserved`);
  return value;
}

export function locationParam(value: unknown, field = "location"): string {
  if (typeof value !== "string" || !LOCATION.test(value)) throw badParameter(field, "must be a location name such as westeurope");
  return value.toLowerCase();
}

export function managementGroupScope(id: string): string {
  return `/providers/Microsoft.Management/managementGroups/${id}`;
}

export function subscriptionScope(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}`;
}

export function resourceGroupScope(subscriptionId: string, resourceGroup: string): string {
  return `${subscriptionScope(subscriptionId)}/resourceGroups/${resourceGroup}`;
}

/** The ARM id of an HSM, from its record or from the target a request names. */
export function managedHsmId(hsm: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string }): string {
  return `${resourceGroupScope(hsm.subscriptionId, hsm.resourceGroup)}/providers/${MANAGED_HSM_TYPE}/${hsm.name}`;
}

function keyVaultLocationScope(subscriptionId: string, location: string): string {
  return `${subscriptionScope(subscriptionId)}/providers/Microsoft.KeyVault/locations/${location}`;
}

export function deletedManagedHsmId(subscriptionId: string, location: string, name: string): string {
  return `${keyVaultLocationScope(subscriptionId, location)}/deletedManagedHSMs/${name}`;
}

export function operationResultId(subscriptionId: string, location: string, operationId: string): string {
  return `${keyVaultLocationScope(subscriptionId, location)}/operationResults/${operationId}`;
}

export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A management group given as its bare id or as its ARM id. */
export function parseManagementGroupReference(value: unknown, field: string): string {
  if (typeof value !== "string") throw badParameter(field, "must be a management group id");
  const prefix = "/providers/Microsoft.Management/managementGroups/";
  const id = value.toLowerCase().startsWith(prefix.toLowerCase()) ? value.slice(prefix.length) : value;
  return managementGroupIdParam(id, field);
}

/** Whether a stored resource lies in the subscription and resource group a request names (ARM compares ids case-insensitively). */
export function inResourceGroup(
  record: { subscriptionId: string; resourceGroup: string },
  target: { subscriptionId: string; resourceGroup: string },
): boolean {
  return sameId(record.subscriptionId, target.subscriptionId) && sameId(record.resourceGroup, target.resourceGroup);
}
