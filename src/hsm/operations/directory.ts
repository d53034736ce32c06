/**
 * Directory administration in the shape of Microsoft Graph v1.0 (SPEC
 * section 5): users, groups and their members, service principals and their
 * secrets. Callers need a management-plane token and the directory
 * administrator role of their own tenant; every call acts on that tenant.
 */
import { requireGuid } from "../../guid.js";
import {
  type Directory,
  directoryObjectToGraph,
  groupToGraph,
  parseAddPassword,
  parseGroupCreate,
  parseGroupPatch,
  parseMemberReference,
  parseServicePrincipalCreate,
  parseServicePrincipalPatch,
  parseUserCreate,
  parseUserPatch,
  type PrincipalUpdate,
  type ServicePrincipalCredentials,
  servicePrincipalToGraph,
  userToGraph,
} from "../../identity/index.js";
import type { PrincipalKind, PrincipalRecord } from "../../store/records.js";
import { fields } from "../../pipeline/decode.js";
import { defineOperation, type Operation } from "../../pipeline/operation.js";

export interface DirectoryOperationDeps {
  readonly directory: Directory;
  readonly credentials: ServicePrincipalCredentials;
}

const ADMINISTRATOR = { kind: "directoryAdministrator" } as const;

function objectId(input: Record<string, unknown>, field = "id"): string {
  return requireGuid(input[field], field, "must be an object id (GUID)");
}

interface KindSpec {
  /** Operation name stem: DirectoryUser, DirectoryGroup, DirectoryServicePrincipal. */
  readonly stem: string;
  readonly kind: PrincipalKind;
  readonly toGraph: (p: PrincipalRecord) => object;
  readonly parseCreate: (body: unknown) => object;
  readonly parsePatch: (body: unknown) => PrincipalUpdate;
  readonly create: (directory: Directory, tenantId: string, input: never) => Promise<PrincipalRecord>;
}

const KINDS: readonly KindSpec[] = [
  {
    stem: "DirectoryUser",
    kind: "user",
    toGraph: userToGraph,
    parseCreate: parseUserCreate,
    parsePatch: parseUserPatch,
    create: (directory, tenantId, input: ReturnType<typeof parseUserCreate>) => directory.createUser(tenantId, input),
  },
  {
    stem: "DirectoryGroup",
    kind: "group",
    toGraph: groupToGraph,
    parseCreate: parseGroupCreate,
    parsePatch: parseGroupPatch,
    create: (directory, tenantId, input: ReturnType<typeof parseGroupCreate>) => directory.createGroup(tenantId, input),
  },
  {
    stem: "DirectoryServicePrincipal",
    kind: "servicePrincipal",
    toGraph: servicePrincipalToGraph,
    parseCreate: parseServicePrincipalCreate,
    parsePatch: parseServicePrincipalPatch,
    create: (directory, tenantId, input: ReturnType<typeof parseServicePrincipalCreate>) => directory.createServicePrincipal(tenantId, input),
  },
];

function kindOperations(directory: Directory, spec: KindSpec): Operation[] {
  const base = { plane: "management", targetsHsm: false, authorization: ADMINISTRATOR } as const;
  return [
    defineOperation({
      ...base,
      name: `${spec.stem}Create`,
      decode: (raw: unknown) => spec.parseCreate(fields(raw)["body"]),
      execute: async (input, context) => spec.toGraph(await spec.create(directory, context.caller.tid, input as never)),
    }),
    defineOperation({
      ...base,
      name: `${spec.stem}List`,
      decode: (raw: unknown) => fields(raw),
      execute: async (_input, context) => ({ value: (await directory.listPrincipals(context.caller.tid, spec.kind)).map(spec.toGraph) }),
    }),
    defineOperation({
      ...base,
      name: `${spec.stem}Get`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      execute: async (input, context) => spec.toGraph(await directory.getPrincipal(context.caller.tid, input.id, spec.kind)),
    }),
    defineOperation({
      ...base,
      name: `${spec.stem}Update`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), patch: spec.parsePatch(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      async execute(input, context) {
        await directory.getPrincipal(context.caller.tid, input.id, spec.kind);
        return spec.toGraph(await directory.updatePrincipal(context.caller.tid, input.id, input.patch));
      },
    }),
    defineOperation({
      ...base,
      name: `${spec.stem}Delete`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      async execute(input, context) {
        await directory.getPrincipal(context.caller.tid, input.id, spec.kind);
        await directory.deletePrincipal(context.caller.tid, input.id);
        return undefined;
      },
    }),
  ] as Operation[];
}

export function directoryOperations({ directory, credentials }: DirectoryOperationDeps): Operation[] {
  const base = { plane: "management", targetsHsm: false, authorization: ADMINISTRATOR } as const;
  return [
    ...KINDS.flatMap((spec) => kindOperations(directory, spec)),
    defineOperation({
      ...base,
      name: "DirectoryServicePrincipalAddPassword",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), credential: parseAddPassword(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      execute: (input, context) => credentials.addPassword(context.caller.tid, input.id, input.credential),
    }),
    defineOperation({
      ...base,
      name: "DirectoryGroupMemberAdd",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), memberId: parseMemberReference(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.memberId }),
      async execute(input, context) {
        await directory.addMember(context.caller.tid, input.id, input.memberId);
        return undefined;
      },
    }),
    defineOperation({
      ...base,
      name: "DirectoryGroupMemberRemove",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), memberId: objectId(fields(raw), "memberId") }),
      describe: (i) => ({ targetPrincipalId: i.memberId }),
      async execute(input, context) {
        await directory.removeMember(context.caller.tid, input.id, input.memberId);
        return undefined;
      },
    }),
    defineOperation({
      ...base,
      name: "DirectoryGroupMemberList",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      execute: async (input, context) => ({
        value: (await directory.listMembers(context.caller.tid, input.id)).map(directoryObjectToGraph),
      }),
    }),
  ] as Operation[];
}
