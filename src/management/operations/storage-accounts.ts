/** `Microsoft.Storage/storageAccounts` (SPEC section 7): create, get, delete and list, over StorageAccountService. */
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import { resourceGroupNameParam, resourceGroupScope, subscriptionIdParam, subscriptionScope } from "../../arm/arm-ids.js";
import { ok, type ArmReply } from "../arm-reply.js";
import type { OriginReply } from "../origin-reply.js";
import { storageAccountId, storageAccountTarget, STORAGE_ACCOUNT_TYPE } from "../../arm/storage-account-ids.js";
import { decodeStorageAccountCreate } from "../storage-account/storage-account-input.js";
import { storageAccountResource } from "../storage-account/storage-account-resource.js";
import type { StorageAccountService } from "../storage-account/storage-account-service.js";

const target = (raw: unknown) => storageAccountTarget(fields(raw));

export function storageAccountOperations(accounts: StorageAccountService): readonly AnyOperation[] {
  const create = managementOperation({
    name: "StorageAccountCreate",
    decode(raw: unknown) {
      const input = fields(raw);
      return { target: storageAccountTarget(input), body: decodeStorageAccountCreate(input) };
    },
    action: `${STORAGE_ACCOUNT_TYPE}/write`,
    scope: (i) => storageAccountId(i.target),
    describe: (i) => ({ scope: storageAccountId(i.target) }),
    async execute(input): Promise<OriginReply> {
      const { record, created: isNew } = await accounts.create(input.target, input.body);
      return { status: isNew ? 201 : 200, render: (origin) => storageAccountResource(record, origin) };
    },
  });

  const get = managementOperation({
    name: "StorageAccountGet",
    decode: target,
    action: `${STORAGE_ACCOUNT_TYPE}/read`,
    scope: storageAccountId,
    describe: (i) => ({ scope: storageAccountId(i) }),
    async execute(input): Promise<OriginReply> {
      const record = await accounts.get(input);
      return { status: 200, render: (origin) => storageAccountResource(record, origin) };
    },
  });

  const remove = managementOperation({
    name: "StorageAccountDelete",
    decode: target,
    action: `${STORAGE_ACCOUNT_TYPE}/delete`,
    scope: storageAccountId,
    describe: (i) => ({ scope: storageAccountId(i) }),
    // ARM answers 200 when it deleted the account and 204 when there was none.
    execute: async (input): Promise<ArmReply> => ((await accounts.delete(input)) ? ok(undefined) : { status: 204, body: undefined }),
  });

  const listByResourceGroup = managementOperation({
    name: "StorageAccountListByResourceGroup",
    decode(raw: unknown) {
      const input = fields(raw);
      return {
        subscriptionId: subscriptionIdParam(input["subscriptionId"]),
        resourceGroup: resourceGroupNameParam(input["resourceGroupName"]),
      };
    },
    action: `${STORAGE_ACCOUNT_TYPE}/read`,
    scope: (i) => resourceGroupScope(i.subscriptionId, i.resourceGroup),
    async execute(input): Promise<OriginReply> {
      const records = await accounts.list(input);
      return { status: 200, render: (origin) => ({ value: records.map((record) => storageAccountResource(record, origin)) }) };
    },
  });

  const listBySubscription = managementOperation({
    name: "StorageAccountListBySubscription",
    decode: (raw: unknown) => ({ subscriptionId: subscriptionIdParam(fields(raw)["subscriptionId"]) }),
    action: `${STORAGE_ACCOUNT_TYPE}/read`,
    scope: (i) => subscriptionScope(i.subscriptionId),
    async execute(input): Promise<OriginReply> {
      const records = await accounts.list(input);
      return { status: 200, render: (origin) => ({ value: records.map((record) => storageAccountResource(record, origin)) }) };
    },
  });

  return [create, get, remove, listByResourceGroup, listBySubscription];
}
