/**
 * The ARM scope tree (SPEC section 7): management groups (nested under the tenant root), subscriptions (under a
 * management group) and resource groups. Creating or moving a node needs write permission where it lands and, for an
 * existing node, where it is: otherwise a caller could pull a subtree out from under its owners.
 */
import { KeyholdError, badParameter } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import type { ManagementGroupRecord, Store } from "../../store/index.js";
import {
  managementGroupIdParam,
  managementGroupScope,
  parseManagementGroupReference,
  resourceGroupNameParam,
  resourceGroupScope,
  locationParam,
  ROOT_SCOPE,
  sameId,
  subscriptionIdParam,
  subscriptionScope,
} from "../../arm/arm-ids.js";
import { created, ok, type ArmReply } from "../arm-reply.js";
import { optionalTags, optionalText, requestBody, strictObject } from "../body.js";
import { requireResourceGroup, requireSubscription } from "../scope-records.js";

export interface ScopeTreeDeps {
  readonly store: Store;
  readonly now: () => number;
}

const GROUP_WRITE = "Microsoft.Management/managementGroups/write";
// ARM has no PUT for subscriptions (they are bought, then placed under a management group); keyhold's extension
// creates one, so it names its own action in the Microsoft.Resources namespace that Reader's */read already covers.
const SUBSCRIPTION_WRITE = "Microsoft.Resources/subscriptions/write";
const GROUP_NOT_FOUND = (id: string): KeyholdError => new KeyholdError("NotFound", `Management group '${id}' was not found.`);

function groupResource(group: ManagementGroupRecord, tenantId: string): Record<string, unknown> {
  return {
    id: managementGroupScope(group.id),
    type: "Microsoft.Management/managementGroups",
    name: group.id,
    properties: {
      tenantId,
      displayName: group.displayName,
      details: { parent: { id: group.parentId === undefined ? ROOT_SCOPE : managementGroupScope(group.parentId) } },
    },
  };
}

/** True when `candidate` is `groupId` or lies below it. */
async function isWithin(store: Store, candidate: string, groupId: string): Promise<boolean> {
  const seen = new Set<string>();
  let current: string | undefined = candidate;
  while (current !== undefined && !seen.has(current.toLowerCase())) {
    if (sameId(current, groupId)) return true;
    seen.add(current.toLowerCase());
    current = (await store.management.getManagementGroup(current))?.parentId;
  }
  return false;
}

export function scopeTreeOperations({ store, now }: ScopeTreeDeps): readonly AnyOperation[] {
  const putGroup = managementOperation({
    name: "ManagementGroupPut",
    decode(raw: unknown) {
      const input = fields(raw);
      const id = managementGroupIdParam(input["managementGroupId"]);
      const body = requestBody(input, ["properties"], true);
      const properties = strictObject(body["properties"] ?? {}, "properties", ["displayName", "details"]);
      const details = strictObject(properties["details"] ?? {}, "properties.details", ["parent"]);
      const parent = details["parent"] === undefined ? undefined : strictObject(details["parent"], "properties.details.parent", ["id"]);
      const parentId =
        parent?.["id"] === undefined || parent["id"] === ROOT_SCOPE
          ? undefined
          : parseManagementGroupReference(parent["id"], "properties.details.parent.id");
      if (parentId !== undefined && sameId(parentId, id)) throw badParameter("properties.details.parent.id", "cannot be the group itself");
      return { id, parentId, displayName: optionalText(properties, "displayName", "properties.displayName", 90) ?? id };
    },
    // The group lands under its parent: that is where the caller must be allowed to write.
    action: GROUP_WRITE,
    scope: (i) => (i.parentId === undefined ? ROOT_SCOPE : managementGroupScope(i.parentId)),
    async execute(input, context): Promise<ArmReply> {
      if (input.parentId !== undefined && (await store.management.getManagementGroup(input.parentId)) === undefined) {
        throw GROUP_NOT_FOUND(input.parentId);
      }
      const existing = await store.management.getManagementGroup(input.id);
      if (existing !== undefined) {
        // Where the group goes was checked by the pipeline; moving it also needs write where it is.
        await context.authorizeManagement(GROUP_WRITE, managementGroupScope(existing.id));
        if (input.parentId !== undefined && (await isWithin(store, input.parentId, existing.id))) {
          throw badParameter("properties.details.parent.id", "cannot be the group itself or one of its descendants");
        }
      }
      const group: ManagementGroupRecord = {
        id: existing?.id ?? input.id,
        displayName: input.displayName,
        parentId: input.parentId,
        createdAt: existing?.createdAt ?? now(),
      };
      await store.management.putManagementGroup(group);
      const body = groupResource(group, context.caller.tid);
      return existing === undefined ? created(body) : ok(body);
    },
  });

  const getGroup = managementOperation({
    name: "ManagementGroupGet",
    decode: (raw: unknown) => ({ id: managementGroupIdParam(fields(raw)["managementGroupId"]) }),
    action: "Microsoft.Management/managementGroups/read",
    scope: (i) => managementGroupScope(i.id),
    async execute(input, context): Promise<ArmReply> {
      const group = await store.management.getManagementGroup(input.id);
      if (group === undefined) throw GROUP_NOT_FOUND(input.id);
      return ok(groupResource(group, context.caller.tid));
    },
  });

  const deleteGroup = managementOperation({
    name: "ManagementGroupDelete",
    decode: (raw: unknown) => ({ id: managementGroupIdParam(fields(raw)["managementGroupId"]) }),
    action: "Microsoft.Management/managementGroups/delete",
    scope: (i) => managementGroupScope(i.id),
    async execute(input): Promise<ArmReply> {
      await store.transaction(async (tx) => {
        if ((await tx.management.getManagementGroup(input.id)) === undefined) throw GROUP_NOT_FOUND(input.id);
        const childGroups = (await tx.management.listManagementGroups()).filter(
          (g) => g.parentId !== undefined && sameId(g.parentId, input.id),
        );
        const subscriptions = (await tx.management.listSubscriptions()).filter(
          (s) => s.managementGroupId !== undefined && sameId(s.managementGroupId, input.id),
        );
        if (childGroups.length > 0 || subscriptions.length > 0) {
          throw new KeyholdError(
            "Conflict",
            `Management group '${input.id}' still holds ${childGroups.length} group(s) and ${subscriptions.length} subscription(s); move or delete them first.`,
          );
        }
        await tx.management.deleteManagementGroup(input.id);
      });
      return ok(undefined);
    },
  });

  function subscriptionResource(
    s: { id: string; displayName: string; managementGroupId: string | undefined },
    tenantId: string,
  ): Record<string, unknown> {
    return {
      id: subscriptionScope(s.id),
      subscriptionId: s.id,
      tenantId,
      displayName: s.displayName,
      state: "Enabled",
      managementGroupId: s.managementGroupId === undefined ? null : managementGroupScope(s.managementGroupId),
    };
  }

  // keyhold extension: ARM has no subscription PUT (see SUBSCRIPTION_WRITE).
  const putSubscription = managementOperation({
    name: "SubscriptionPut",
    decode(raw: unknown) {
      const input = fields(raw);
      const body = requestBody(input, ["displayName", "managementGroupId"]);
      const displayName = optionalText(body, "displayName", "displayName", 64);
      if (displayName === undefined) throw badParameter("displayName", "is required");
      const group = body["managementGroupId"];
      return {
        id: subscriptionIdParam(input["subscriptionId"]),
        displayName,
        managementGroupId: group === undefined || group === null ? undefined : parseManagementGroupReference(group, "managementGroupId"),
      };
    },
    action: SUBSCRIPTION_WRITE,
    scope: (i) => (i.managementGroupId === undefined ? ROOT_SCOPE : managementGroupScope(i.managementGroupId)),
    async execute(input, context): Promise<ArmReply> {
      if (input.managementGroupId !== undefined && (await store.management.getManagementGroup(input.managementGroupId)) === undefined) {
        throw GROUP_NOT_FOUND(input.managementGroupId);
      }
      const existing = await store.management.getSubscription(input.id);
      // Where the subscription goes was checked by the pipeline; moving it also needs write where it is.
      if (existing !== undefined) await context.authorizeManagement(SUBSCRIPTION_WRITE, subscriptionScope(existing.id));
      const subscription = {
        id: input.id,
        displayName: input.displayName,
        managementGroupId: input.managementGroupId,
        createdAt: existing?.createdAt ?? now(),
      };
      await store.management.putSubscription(subscription);
      const body = subscriptionResource(subscription, context.caller.tid);
      return existing === undefined ? created(body) : ok(body);
    },
  });

  const getSubscription = managementOperation({
    name: "SubscriptionGet",
    decode: (raw: unknown) => ({ id: subscriptionIdParam(fields(raw)["subscriptionId"]) }),
    action: "Microsoft.Resources/subscriptions/read",
    scope: (i) => subscriptionScope(i.id),
    async execute(input, context): Promise<ArmReply> {
      return ok(subscriptionResource(await requireSubscription(store, input.id), context.caller.tid));
    },
  });

  // Listing every subscription needs read at the tenant root; a caller below it reads its subscriptions one by one.
  const listSubscriptions = managementOperation({
    name: "SubscriptionList",
    decode(raw: unknown) {
      fields(raw);
      return {};
    },
    action: "Microsoft.Resources/subscriptions/read",
    scope: () => ROOT_SCOPE,
    async execute(_input, context): Promise<ArmReply> {
      return ok({ value: (await store.management.listSubscriptions()).map((s) => subscriptionResource(s, context.caller.tid)) });
    },
  });

  function resourceGroupResource(g: {
    subscriptionId: string;
    name: string;
    location: string;
    tags: Readonly<Record<string, string>>;
  }): Record<string, unknown> {
    return {
      id: resourceGroupScope(g.subscriptionId, g.name),
      name: g.name,
      type: "Microsoft.Resources/resourceGroups",
      location: g.location,
      tags: { ...g.tags },
      properties: { provisioningState: "Succeeded" },
    };
  }

  const groupTarget = (raw: unknown) => {
    const input = fields(raw);
    return { subscriptionId: subscriptionIdParam(input["subscriptionId"]), name: resourceGroupNameParam(input["resourceGroupName"]) };
  };

  const putResourceGroup = managementOperation({
    name: "ResourceGroupPut",
    decode(raw: unknown) {
      const input = fields(raw);
      const body = requestBody(input, ["location", "tags", "properties"]);
      if (body["properties"] !== undefined) strictObject(body["properties"], "properties", []);
      return { ...groupTarget(raw), location: locationParam(body["location"]), tags: optionalTags(body, "tags", "tags") ?? {} };
    },
    action: "Microsoft.Resources/subscriptions/resourceGroups/write",
    scope: (i) => resourceGroupScope(i.subscriptionId, i.name),
    async execute(input): Promise<ArmReply> {
      await requireSubscription(store, input.subscriptionId);
      const existing = await store.management.getResourceGroup(input.subscriptionId, input.name);
      if (existing !== undefined && existing.location !== input.location) {
        throw badParameter("location", `cannot be changed: the resource group is in ${existing.location}`);
      }
      const group = {
        subscriptionId: input.subscriptionId,
        name: existing?.name ?? input.name,
        location: input.location,
        tags: input.tags,
        createdAt: existing?.createdAt ?? now(),
      };
      await store.management.putResourceGroup(group);
      return existing === undefined ? created(resourceGroupResource(group)) : ok(resourceGroupResource(group));
    },
  });

  const getResourceGroup = managementOperation({
    name: "ResourceGroupGet",
    decode: groupTarget,
    action: "Microsoft.Resources/subscriptions/resourceGroups/read",
    scope: (i) => resourceGroupScope(i.subscriptionId, i.name),
    async execute(input): Promise<ArmReply> {
      return ok(resourceGroupResource(await requireResourceGroup(store, input.subscriptionId, input.name)));
    },
  });

  const deleteResourceGroup = managementOperation({
    name: "ResourceGroupDelete",
    decode: groupTarget,
    action: "Microsoft.Resources/subscriptions/resourceGroups/delete",
    scope: (i) => resourceGroupScope(i.subscriptionId, i.name),
    async execute(input): Promise<ArmReply> {
      await store.transaction(async (tx) => {
        await requireResourceGroup(tx, input.subscriptionId, input.name);
        const filter = { subscriptionId: input.subscriptionId, resourceGroup: input.name };
        const hsms = await tx.management.listManagedHsms({ deleted: false, ...filter });
        const accounts = await tx.management.listStorageAccounts(filter);
        if (hsms.length + accounts.length > 0) {
          throw new KeyholdError(
            "Conflict",
            `Resource group '${input.name}' still holds ${hsms.length} managed HSM(s) and ${accounts.length} storage account(s); delete them first.`,
          );
        }
        await tx.management.deleteResourceGroup(input.subscriptionId, input.name);
      });
      return ok(undefined);
    },
  });

  const listResourceGroups = managementOperation({
    name: "ResourceGroupList",
    decode: (raw: unknown) => ({ subscriptionId: subscriptionIdParam(fields(raw)["subscriptionId"]) }),
    action: "Microsoft.Resources/subscriptions/resourceGroups/read",
    scope: (i) => subscriptionScope(i.subscriptionId),
    async execute(input): Promise<ArmReply> {
      await requireSubscription(store, input.subscriptionId);
      return ok({ value: (await store.management.listResourceGroups(input.subscriptionId)).map(resourceGroupResource) });
    },
  });

  return [
    putGroup,
    getGroup,
    deleteGroup,
    putSubscription,
    getSubscription,
    listSubscriptions,
    putResourceGroup,
    getResourceGroup,
    deleteResourceGroup,
    listResourceGroups,
  ];
}
