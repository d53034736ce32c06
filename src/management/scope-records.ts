/** The subscription or resource group a request names, or ARM's "could not be found" for it. */
import type { ResourceGroupRecord, StoreRepositories, SubscriptionRecord } from "../store/index.js";
import { resourceGroupNotFound, subscriptionNotFound } from "./arm-errors.js";

/** Takes the repositories so a caller's transaction can hold the check. */
type ManagementRepositories = Pick<StoreRepositories, "management">;

export async function requireSubscription(store: ManagementRepositories, subscriptionId: string): Promise<SubscriptionRecord> {
  const subscription = await store.management.getSubscription(subscriptionId);
  if (subscription === undefined) throw subscriptionNotFound(subscriptionId);
  return subscription;
}

export async function requireResourceGroup(
  store: ManagementRepositories,
  subscriptionId: string,
  resourceGroup: string,
): Promise<ResourceGroupRecord> {
  const group = await store.management.getResourceGroup(subscriptionId, resourceGroup);
  if (group === undefined) throw resourceGroupNotFound(resourceGroup);
  return group;
}
