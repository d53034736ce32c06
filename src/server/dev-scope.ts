/**
 * Development mode's place in the ARM scope tree (SPEC section 11): `admin` is Owner at the tenant root, and the
 * subscription and resource group `dev` exist. Written straight to the store, as the scope-tree and role-assignment
 * operations would store them, because nobody can call those operations before someone is Owner somewhere.
 */
import { randomUUID } from "node:crypto";
import { OWNER, ROOT_SCOPE } from "../management/index.js";
import type { Store } from "../store/index.js";
import type { PrincipalRecord } from "../store/records.js";

/**
 * The development subscription's id: fixed, so that scripts and ARM paths written against one dev data dir work
 * against every other. The first group reads "de7e1" for "devel"; version 4 and RFC 4122 variant bits keep it a
 * well-formed GUID.
 */
const DEV_SUBSCRIPTION_ID = "de7e1000-0000-4000-8000-000000000001";
const DEV_SUBSCRIPTION_NAME = "dev";
const DEV_RESOURCE_GROUP = "dev";
/** ARM wants a location; keyhold runs in one place, which it calls `local`. */
const DEV_LOCATION = "local";

export interface DevScope {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
}

/** Management Owner at "/" for the principal, unless it already holds exactly that. */
export async function ensureRootOwner(store: Store, principal: PrincipalRecord, now: () => number = Date.now): Promise<void> {
  const existing = await store.management.listRoleAssignments();
  if (existing.some((a) => a.scope === ROOT_SCOPE && a.roleDefinitionId === OWNER.id && a.principalId === principal.id)) return;
  await store.management.insertRoleAssignment({
    name: randomUUID(),
    scope: ROOT_SCOPE,
    roleDefinitionId: OWNER.id,
    principalId: principal.id,
    createdAt: now(),
  });
}

/** The subscription and resource group `dev`, created once; an existing one is left as its owner shaped it. */
export async function ensureDevScope(store: Store, now: () => number = Date.now): Promise<DevScope> {
  if ((await store.management.getSubscription(DEV_SUBSCRIPTION_ID)) === undefined) {
    await store.management.putSubscription({
      id: DEV_SUBSCRIPTION_ID,
      displayName: DEV_SUBSCRIPTION_NAME,
      managementGroupId: undefined,
      createdAt: now(),
    });
  }
  const group = await store.management.getResourceGroup(DEV_SUBSCRIPTION_ID, DEV_RESOURCE_GROUP);
  if (group === undefined) {
    await store.management.putResourceGroup({
      subscriptionId: DEV_SUBSCRIPTION_ID,
      name: DEV_RESOURCE_GROUP,
      location: DEV_LOCATION,
      tags: {},
      createdAt: now(),
    });
  }
  return { subscriptionId: DEV_SUBSCRIPTION_ID, resourceGroup: DEV_RESOURCE_GROUP, location: group?.location ?? DEV_LOCATION };
}
