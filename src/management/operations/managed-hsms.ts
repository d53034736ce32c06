/** `Microsoft.KeyVault/managedHSMs` and `deletedManagedHSMs` (reference section 2.4), over ManagedHsmService. */
import type { AuditProperties } from "../../audit/index.js";
import { badParameter, echo } from "../../errors.js";
import { isGuid } from "../../guid.js";
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import {
  deletedManagedHsmId,
  hsmNameParam,
  locationParam,
  managedHsmId,
  resourceGroupNameParam,
  resourceGroupScope,
  subscriptionIdParam,
  subscriptionScope,
} from "../../arm/arm-ids.js";
import { ok, type ArmReply } from "../arm-reply.js";
import { requestBody } from "../body.js";
import { decodeHsmCreate, decodeHsmPatch } from "../managed-hsm/hsm-input.js";
import { deletedManagedHsmResource } from "../managed-hsm/hsm-resource.js";
import { hsmTarget, type HsmTarget, type ManagedHsmService } from "../managed-hsm/managed-hsm-service.js";
import type { LongRunningOperations } from "../long-running.js";

const HSMS = "Microsoft.KeyVault/managedHSMs";
const MAX_NAME_TO_CHECK = 256;

const describeTarget = (t: HsmTarget): AuditProperties => ({ hsmName: t.name });

function deletedTarget(raw: unknown): { subscriptionId: string; location: string; name: string } {
  const input = fields(raw);
  return {
    subscriptionId: subscriptionIdParam(input["subscriptionId"]),
    location: locationParam(input["location"]),
    name: hsmNameParam(input["name"]),
  };
}

export function managedHsmOperations(hsms: ManagedHsmService, operations: LongRunningOperations): readonly AnyOperation[] {
  const createOrUpdate = managementOperation({
    name: "ManagedHsmCreateOrUpdate",
    decode(raw: unknown) {
      const input = fields(raw);
      return { target: hsmTarget(input), body: decodeHsmCreate(input) };
    },
    action: `${HSMS}/write`,
    scope: (i) => managedHsmId(i.target),
    describe: (i) => describeTarget(i.target),
    execute: (input, context): Promise<ArmReply> => hsms.createOrUpdate(input.target, input.body, context.caller),
  });

  const get = managementOperation({
    name: "ManagedHsmGet",
    decode: (raw: unknown) => hsmTarget(fields(raw)),
    action: `${HSMS}/read`,
    scope: managedHsmId,
    describe: describeTarget,
    execute: async (input): Promise<ArmReply> => ok(hsms.render(await hsms.get(input))),
  });

  const update = managementOperation({
    name: "ManagedHsmUpdate",
    decode(raw: unknown) {
      const input = fields(raw);
      return { target: hsmTarget(input), patch: decodeHsmPatch(input) };
    },
    action: `${HSMS}/write`,
    scope: (i) => managedHsmId(i.target),
    describe: (i) => describeTarget(i.target),
    execute: (input): Promise<ArmReply> => hsms.update(input.target, input.patch),
  });

  const remove = managementOperation({
    name: "ManagedHsmDelete",
    decode: (raw: unknown) => hsmTarget(fields(raw)),
    action: `${HSMS}/delete`,
    scope: managedHsmId,
    describe: describeTarget,
    execute: (input): Promise<ArmReply> => hsms.delete(input),
  });

  const listByResourceGroup = managementOperation({
    name: "ManagedHsmListByResourceGroup",
    decode(raw: unknown) {
      const input = fields(raw);
      return {
        subscriptionId: subscriptionIdParam(input["subscriptionId"]),
        resourceGroup: resourceGroupNameParam(input["resourceGroupName"]),
      };
    },
    action: `${HSMS}/read`,
    scope: (i) => resourceGroupScope(i.subscriptionId, i.resourceGroup),
    execute: async (input): Promise<ArmReply> => ok(await hsms.list(input)),
  });

  const listBySubscription = managementOperation({
    name: "ManagedHsmListBySubscription",
    decode: (raw: unknown) => ({ subscriptionId: subscriptionIdParam(fields(raw)["subscriptionId"]) }),
    action: `${HSMS}/read`,
    scope: (i) => subscriptionScope(i.subscriptionId),
    execute: async (input): Promise<ArmReply> => ok(await hsms.list(input)),
  });

  const listDeleted = managementOperation({
    name: "DeletedManagedHsmList",
    decode: (raw: unknown) => ({ subscriptionId: subscriptionIdParam(fields(raw)["subscriptionId"]) }),
    action: "Microsoft.KeyVault/deletedManagedHsms/read",
    scope: (i) => subscriptionScope(i.subscriptionId),
    execute: async (input): Promise<ArmReply> => ok(await hsms.listDeleted(input.subscriptionId)),
  });

  const getDeleted = managementOperation({
    name: "DeletedManagedHsmGet",
    decode: deletedTarget,
    action: "Microsoft.KeyVault/locations/deletedManagedHsms/read",
    scope: (i) => deletedManagedHsmId(i.subscriptionId, i.location, i.name),
    execute: async (input): Promise<ArmReply> =>
      ok(deletedManagedHsmResource(await hsms.getDeleted(input.subscriptionId, input.location, input.name))),
  });

  const purge = managementOperation({
    name: "DeletedManagedHsmPurge",
    decode: deletedTarget,
    action: "Microsoft.KeyVault/locations/deletedManagedHsms/purge/action",
    scope: (i) => deletedManagedHsmId(i.subscriptionId, i.location, i.name),
    describe: (i) => ({ hsmName: i.name }),
    execute: (input): Promise<ArmReply> => hsms.purge(input.subscriptionId, input.location, input.name),
  });

  const operationResult = managementOperation({
    name: "ManagedHsmOperationResultGet",
    decode(raw: unknown) {
      const input = fields(raw);
      const operationId = input["operationId"];
      if (!isGuid(operationId)) throw badParameter("operationId", "must be an operation id this server returned");
      const resourceId = input["resourceId"];
      if (
        typeof resourceId !== "string" ||
        !resourceId.toLowerCase().startsWith(`/subscriptions/${String(input["subscriptionId"]).toLowerCase()}/`)
      ) {
        throw badParameter("resourceId", "must be the resource id this server put in the operation's Location");
      }
      return {
        subscriptionId: subscriptionIdParam(input["subscriptionId"]),
        location: locationParam(input["location"]),
        operationId,
        resourceId,
      };
    },
    // Whoever may read the resource may read the outcome of an operation on it; the record must name that resource.
    action: `${HSMS}/read`,
    scope: (i) => i.resourceId,
    execute: async (input): Promise<ArmReply> =>
      ok(await operations.status(input.subscriptionId, input.location, input.operationId, input.resourceId)),
  });

  const checkNameAvailability = managementOperation({
    name: "ManagedHsmCheckNameAvailability",
    decode(raw: unknown) {
      const input = fields(raw);
      const body = requestBody(input, ["name"]);
      const name = body["name"];
      // A name of any length is answered Invalid, not refused, but nothing this long can be a name.
      if (typeof name !== "string" || name.length > MAX_NAME_TO_CHECK)
        throw badParameter("name", `must be a string of at most ${MAX_NAME_TO_CHECK} characters`);
      return { subscriptionId: subscriptionIdParam(input["subscriptionId"]), name };
    },
    action: "Microsoft.KeyVault/checkMhsmNameAvailability/action",
    scope: (i) => subscriptionScope(i.subscriptionId),
    describe: (i) => ({ hsmName: echo(i.name) }),
    execute: async (input): Promise<ArmReply> => ok(await hsms.nameAvailability(input.subscriptionId, input.name)),
  });

  return [
    createOrUpdate,
    get,
    update,
    remove,
    listByResourceGroup,
    listBySubscription,
    listDeleted,
    getDeleted,
    purge,
    operationResult,
    checkNameAvailability,
  ];
}
