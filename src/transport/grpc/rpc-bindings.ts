/**
 * Every unary RPC of keyhold.v1 bound to one operation of the table, with the
 * conversion of its request into the operation's input and of the
 * operation's result into the response. Nothing else happens here: the
 * pipeline authorizes and audits.
 *
 * A binding is made from the generated method descriptor, so its request
 * conversion sees that method's request message and its response conversion
 * may only name fields of that method's response message. The server mounts
 * exactly these bindings (plus CryptoService.Stream, which it handles itself)
 * and refuses to start when a method of a service has no handler;
 * test/transport/grpc-bindings.test.ts proves every method bound once.
 */
import { create, isMessage, type DescMessage, type DescMethodUnary, type Message, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { AccessControlService } from "../../gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../gen/keyhold/v1/key_service_pb.js";
import { SecurityDomainService } from "../../gen/keyhold/v1/security_domain_service_pb.js";
import { BackupService } from "../../gen/keyhold/v1/backup_service_pb.js";
import { KeyholdError } from "../../errors.js";
import { bundleToWire, deletedBundleToWire, jwkFromWire, plain } from "./messages.js";

/** The services of keyhold.v1 the server mounts, in the order it mounts them. */
export const KEYHOLD_SERVICES = Object.freeze([KeyService, CryptoService, SecurityDomainService, BackupService, AccessControlService] as const);

export interface RpcBinding {
  /** The generated descriptor of the RPC (`KeyService.method.getKey`). */
  readonly method: DescMethodUnary;
  /** The operation's name in the table. */
  readonly operation: string;
  /** The request message, as the server deserialized it for `method`, as the operation's raw input. */
  readonly fromWire: (request: unknown) => unknown;
  /** The operation's result as `method`'s response message. */
  readonly toWire: (result: unknown) => Message;
}

/**
 * The fields of a response message a conversion may set. Their values are not typed yet (operations' results reach
 * the bindings as `unknown`), but a field the message does not have fails to compile.
 */
export type WireFields<Desc extends DescMessage> = { readonly [K in keyof MessageInitShape<Desc> as K extends `$${string}` ? never : K]?: unknown };

/** Binds `method` to the operation named `operation`; the request becomes the input as a plain object unless `fromWire` says otherwise. */
export function bind<M extends DescMethodUnary>(
  method: M,
  operation: string,
  toWire: (result: unknown) => WireFields<M["output"]>,
  fromWire: (request: MessageShape<M["input"]>) => unknown = plain,
): RpcBinding {
  const output: DescMessage = method.output;
  return Object.freeze({
    method,
    operation,
    fromWire: (request: unknown) => {
      if (!isMessage<M["input"]>(request, method.input)) throw new KeyholdError("InternalError", `${method.parent.typeName}.${method.name} received a message that is not ${method.input.typeName}`);
      return fromWire(request);
    },
    toWire: (result: unknown) => create(output, toWire(result)),
  });
}

/** A result that is already the response's fields (crypto results: `{ kid, signature }`). */
const asIs = (result: unknown): object => {
  if (result === undefined || result === null) return {};
  if (typeof result !== "object") throw new KeyholdError("InternalError", "an operation's result is not an object");
  return result;
};
/** The result, converted, as the response's one field `field` (a field the response lacks fails to compile at bind()). */
const wrapped = <F extends string>(field: F, convert: (value: unknown) => unknown = (v) => v) => (result: unknown): Partial<Record<F, unknown>> => {
  const fields: Partial<Record<F, unknown>> = {};
  fields[field] = convert(result);
  return fields;
};
/** A page of results as the response's list field `field` and its next page token. */
const paged = <F extends string>(field: F, convert: (value: unknown) => unknown = (v) => v) => (result: unknown): Partial<Record<F | "nextPageToken", unknown>> => {
  const page = result as { items: unknown[]; nextPageToken: string };
  const fields: Partial<Record<F | "nextPageToken", unknown>> = {};
  fields[field] = page.items.map(convert);
  fields.nextPageToken = page.nextPageToken;
  return fields;
};

export const RPC_BINDINGS: readonly RpcBinding[] = Object.freeze([
  bind(KeyService.method.createKey, "KeyCreate", wrapped("key", bundleToWire)),
  bind(KeyService.method.importKey, "KeyImport", wrapped("key", bundleToWire), (request) => ({
    ...(plain(request) as object),
    key: jwkFromWire(request.key),
  })),
  bind(KeyService.method.getKey, "KeyGet", wrapped("key", bundleToWire)),
  bind(KeyService.method.listKeys, "KeyList", paged("keys", bundleToWire)),
  bind(KeyService.method.listKeyVersions, "KeyListVersions", paged("keys", bundleToWire)),
  bind(KeyService.method.updateKey, "KeyUpdate", wrapped("key", bundleToWire)),
  bind(KeyService.method.deleteKey, "KeyDelete", wrapped("deletedKey", deletedBundleToWire)),
  bind(KeyService.method.getDeletedKey, "KeyGetDeleted", wrapped("deletedKey", deletedBundleToWire)),
  bind(KeyService.method.listDeletedKeys, "KeyListDeleted", paged("deletedKeys", deletedBundleToWire)),
  bind(KeyService.method.recoverDeletedKey, "KeyRecover", wrapped("key", bundleToWire)),
  bind(KeyService.method.purgeDeletedKey, "KeyPurge", () => ({})),
  bind(KeyService.method.backupKey, "KeyBackup", asIs),
  bind(KeyService.method.restoreKey, "KeyRestore", wrapped("key", bundleToWire)),
  bind(KeyService.method.rotateKey, "KeyRotate", wrapped("key", bundleToWire)),
  bind(KeyService.method.getRotationPolicy, "KeyRotationPolicyGet", wrapped("policy")),
  bind(KeyService.method.updateRotationPolicy, "KeyRotationPolicySet", wrapped("policy")),
  bind(KeyService.method.getRandomBytes, "RandomBytes", asIs),

  bind(CryptoService.method.sign, "KeySign", asIs),
  bind(CryptoService.method.verify, "KeyVerify", asIs),
  bind(CryptoService.method.encrypt, "KeyEncrypt", asIs),
  bind(CryptoService.method.decrypt, "KeyDecrypt", asIs),
  bind(CryptoService.method.wrapKey, "KeyWrap", asIs),
  bind(CryptoService.method.unwrapKey, "KeyUnwrap", asIs),

  bind(SecurityDomainService.method.download, "SecurityDomainDownload", asIs),
  bind(SecurityDomainService.method.getStatus, "SecurityDomainStatus", asIs),
  bind(SecurityDomainService.method.getTransferKey, "SecurityDomainTransferKey", asIs),
  bind(SecurityDomainService.method.upload, "SecurityDomainUpload", asIs),

  bind(BackupService.method.startBackup, "BackupStart", wrapped("job")),
  bind(BackupService.method.getBackupStatus, "BackupStatus", wrapped("job")),
  bind(BackupService.method.startRestore, "RestoreStart", wrapped("job")),
  bind(BackupService.method.startSelectiveKeyRestore, "SelectiveKeyRestoreStart", wrapped("job")),
  bind(BackupService.method.getRestoreStatus, "RestoreStatus", wrapped("job")),

  bind(AccessControlService.method.listRoleDefinitions, "RoleDefinitionList", paged("roleDefinitions")),
  bind(AccessControlService.method.getRoleDefinition, "RoleDefinitionGet", wrapped("roleDefinition")),
  bind(AccessControlService.method.setRoleDefinition, "RoleDefinitionSet", wrapped("roleDefinition")),
  bind(AccessControlService.method.deleteRoleDefinition, "RoleDefinitionDelete", wrapped("roleDefinition")),
  bind(AccessControlService.method.listRoleAssignments, "RoleAssignmentList", paged("roleAssignments")),
  bind(AccessControlService.method.getRoleAssignment, "RoleAssignmentGet", wrapped("roleAssignment")),
  bind(AccessControlService.method.createRoleAssignment, "RoleAssignmentCreate", wrapped("roleAssignment")),
  bind(AccessControlService.method.deleteRoleAssignment, "RoleAssignmentDelete", wrapped("roleAssignment")),
  bind(AccessControlService.method.checkAccess, "CheckAccess", (result) => {
    const r = result as { allowed: boolean; principalExists: boolean; principalEnabled: boolean; decidingAssignments: { assignment: unknown; roleDefinitionId: string; roleName: string }[] };
    return {
      allowed: r.allowed,
      principalExists: r.principalExists,
      principalEnabled: r.principalEnabled,
      decidingAssignments: r.decidingAssignments.map((d) => ({ roleAssignment: d.assignment, roleDefinitionId: d.roleDefinitionId, roleName: d.roleName })),
    };
  }),
]);
