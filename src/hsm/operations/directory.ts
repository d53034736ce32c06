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
import { directoryOperation, type AnyOperation } from "../../pipeline/operation.js";

export interface DirectoryOperationDeps {
  readonly directory: Directory;
  readonly credentials: ServicePrincipalCredentials;
}

function objectId(input: Record<string, unknown>, field = "id"): string {
  return requireGuid(input[field], field, "must be an object id (GUID)");
}

interface KindSpec<C> {
  /** Operation name stem: DirectoryUser, DirectoryGroup, DirectoryServicePrincipal. */
  readonly stem: string;
  readonly kind: PrincipalKind;
  readonly toGraph: (p: PrincipalRecord) => object;
  readonly parseCreate: (body: unknown) => C;
  readonly parsePatch: (body: unknown) => PrincipalUpdate;
  readonly create: (directory: Directory, tenantId: string, input: C) => Promise<PrincipalRecord>;
}

const USERS: KindSpec<ReturnType<typeof parseUserCreate>> = {
  stem: "DirectoryUser",
  kind: "user",
  toGraph: userToGraph,
  parseCreate: parseUserCreate,
  parsePatch: parseUserPatch,
  create: (directory, tenantId, input) => directory.createUser(tenantId, input),
};

const GROUPS: KindSpec<ReturnType<typeof parseGroupCreate>> = {
  stem: "DirectoryGroup",
  kind: "group",
  toGraph: groupToGraph,
  parseCreate: parseGroupCreate,
  parsePatch: parseGroupPatch,
  create: (directory, tenantId, input) => directory.createGroup(tenantId, input),
};

const SERVICE_PRINCIPALS: KindSpec<ReturnType<typeof parseServicePrincipalCreate>> = {
  stem: "DirectoryServicePrincipal",
  kind: "servicePrincipal",
  toGraph: servicePrincipalToGraph,
  parseCreate: parseServicePrincipalCreate,
  parsePatch: parseServicePrincipalPatch,
  create: (directory, tenantId, input) => directory.createServicePrincipal(tenantId, input),
};

function kindOperations<C>(directory: Directory, spec: KindSpec<C>): readonly AnyOperation[] {
  return [
    directoryOperation({
      name: `${spec.stem}Create`,
      decode: (raw: unknown) => spec.parseCreate(fields(raw)["body"]),
      execute: async (input, context) => spec.toGraph(await spec.create(directory, context.caller.tid, input)),
    }),
    directoryOperation({
      name: `${spec.stem}List`,
      decode: (raw: unknown) => fields(raw),
      execute: async (_input, context) => ({ value: (await directory.listPrincipals(context.caller.tid, spec.kind)).map(spec.toGraph) }),
    }),
    directoryOperation({
      name: `${spec.stem}Get`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      execute: async (input, context) => spec.toGraph(await directory.getPrincipal(context.caller.tid, input.id, spec.kind)),
    }),
    directoryOperation({
      name: `${spec.stem}Update`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), patch: spec.parsePatch(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      async execute(input, context) {
        await directory.getPrincipal(context.caller.tid, input.id, spec.kind);
        return spec.toGraph(await directory.updatePrincipal(context.caller.tid, input.id, input.patch));
      },
    }),
    directoryOperation({
      name: `${spec.stem}Delete`,
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      async execute(input, context) {
        await directory.getPrincipal(context.caller.tid, input.id, spec.kind);
        await directory.deletePrincipal(context.caller.tid, input.id);
        return undefined;
      },
    }),
  ];
}

export function directoryOperations({ directory, credentials }: DirectoryOperationDeps): readonly AnyOperation[] {
  return [
    ...kindOperations(directory, USERS),
    ...kindOperations(directory, GROUPS),
    ...kindOperations(directory, SERVICE_PRINCIPALS),
    directoryOperation({
      name: "DirectoryServicePrincipalAddPassword",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), credential: parseAddPassword(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.id }),
      execute: (input, context) => credentials.addPassword(context.caller.tid, input.id, input.credential),
    }),
    directoryOperation({
      name: "DirectoryGroupMemberAdd",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), memberId: parseMemberReference(fields(raw)["body"]) }),
      describe: (i) => ({ targetPrincipalId: i.memberId }),
      async execute(input, context) {
        await directory.addMember(context.caller.tid, input.id, input.memberId);
        return undefined;
      },
    }),
    directoryOperation({
      name: "DirectoryGroupMemberRemove",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)), memberId: objectId(fields(raw), "memberId") }),
      describe: (i) => ({ targetPrincipalId: i.memberId }),
      async execute(input, context) {
        await directory.removeMember(context.caller.tid, input.id, input.memberId);
        return undefined;
      },
    }),
    directoryOperation({
      name: "DirectoryGroupMemberList",
      decode: (raw: unknown) => ({ id: objectId(fields(raw)) }),
      execute: async (input, context) => ({
        value: (await directory.listMembers(context.caller.tid, input.id)).map(directoryObjectToGraph),
      }),
    }),
  ];
}
