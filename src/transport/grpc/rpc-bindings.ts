/**
 * Every unary RPC of keyhold.v1 bound to one operation of the table, with the
 * conversion of its request into the operation's input and of the
 * operation's result into the response. Nothing else happens here: the
 * pipeline authorizes and audits.
 *
 * A binding is made from the generated method descriptor and the name of
 * its operation: its request conversion sees that method's request message,
 * and its response conversion takes that operation's result type and must
 * return that method's response (init) shape, so a wrong message shape or a
 * result read wrongly fails to compile. The server mounts exactly these
 * bindings (plus CryptoService.Stream, which it handles itself) and refuses
 * to start when a method of a service has no handler;
 * test/transport/grpc-bindings.test.ts proves every method bound once.
 */
import { create, isMessage, type DescMethodUnary, type Message, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { AccessControlService } from "../../gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../gen/keyhold/v1/key_service_pb.js";
import { SecurityDomainService } from "../../gen/keyhold/v1/security_domain_service_pb.js";
import { BackupService } from "../../gen/keyhold/v1/backup_service_pb.js";
import { KeyholdError, type KeyholdErrorCode } from "../../errors.js";
import { grpcStatusOf } from "./errors.js";
import type { accessControlOperations } from "../../hsm/operations/access-control.js";
import type { backupOperations } from "../../hsm/operations/backup.js";
import type { cryptoOperations } from "../../hsm/operations/crypto.js";
import type { keyOperations } from "../../hsm/operations/keys.js";
import type { securityDomainOperations } from "../../hsm/operations/security-domain.js";
import {
  bundleToWire,
  deletedBundleToWire,
  jobToWire,
  jwkFromWire,
  plain,
  roleAssignmentToWire,
  roleDefinitionToWire,
  rotationPolicyToWire,
} from "./messages.js";

/** The services of keyhold.v1 the server mounts, in the order it mounts them. */
export const KEYHOLD_SERVICES = Object.freeze([
  KeyService,
  CryptoService,
  SecurityDomainService,
  BackupService,
  AccessControlService,
] as const);

/** The operations gRPC serves, with their names and result types as the HSM's operation modules declare them. */
type GrpcOperation =
  | ReturnType<typeof keyOperations>[number]
  | ReturnType<typeof cryptoOperations>[number]
  | ReturnType<typeof securityDomainOperations>[number]
  | ReturnType<typeof backupOperations>[number]
  | ReturnType<typeof accessControlOperations>[number];

type GrpcOperationName = GrpcOperation["name"];

/** What the operation named `N` resolves to. */
type ResultOf<N extends GrpcOperationName> = Awaited<ReturnType<Extract<GrpcOperation, { readonly name: N }>["execute"]>>;

export interface RpcBinding {
  /** The generated descriptor of the RPC (`KeyService.method.getKey`). */
  readonly method: DescMethodUnary;
  /** The operation's name in the table. */
  readonly operation: GrpcOperationName;
  /** The request message, as the server deserialized it for `method`, as the operation's raw input. */
  readonly fromWire: (request: unknown) => unknown;
  /** The operation's result as `method`'s response message. */
  readonly toWire: (result: unknown) => Message;
}

/** Binds `method` to the operation named `operation`; the request becomes the input as a plain object unless `fromWire` says otherwise. */
function bind<M extends DescMethodUnary, N extends GrpcOperationName>(
  method: M,
  operation: N,
  toWire: (result: ResultOf<N>) => MessageInitShape<M["output"]>,
  fromWire: (request: MessageShape<M["input"]>) => unknown = plain,
): RpcBinding {
  return Object.freeze({
    method,
    operation,
    fromWire: (request: unknown) => {
      if (!isMessage<M["input"]>(request, method.input))
        throw new KeyholdError(
          "InternalError",
          `${method.parent.typeName}.${method.name} received a message that is not ${method.input.typeName}`,
        );
      return fromWire(request);
    },
    // The table is typed by name only at run time: the server passes the result of the table's operation named
    // `operation`, which is the operation ResultOf<N> was read from (the table refuses two operations of one name,
    // and test/transport/grpc-bindings.test.ts proves each binding's name is in the production table).
    toWire: (result: unknown) => create(method.output, toWire(result as ResultOf<N>)),
  });
}

const same = <T>(result: T): T => result;

type ItemResult<V> =
  | { readonly status: "ok"; readonly value: V }
  | { readonly status: "error"; readonly code: KeyholdErrorCode; readonly message: string };

/** One batch item's answer: its value, or its own status code, Key Vault error code and message. */
function batchItem<V, W>(result: ItemResult<V>, toWire: (value: V) => W): W | { code: number; errorCode: string; message: string } {
  return result.status === "ok" ? toWire(result.value) : { code: grpcStatusOf(result), errorCode: result.code, message: result.message };
}

export const RPC_BINDINGS: readonly RpcBinding[] = Object.freeze([
  bind(KeyService.method.createKey, "KeyCreate", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(
    KeyService.method.importKey,
    "KeyImport",
    (bundle) => ({ key: bundleToWire(bundle) }),
    (request) => ({
      ...(plain(request) as object),
      key: jwkFromWire(request.key),
    }),
  ),
  bind(KeyService.method.getKey, "KeyGet", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(KeyService.method.listKeys, "KeyList", (page) => ({ keys: page.items.map(bundleToWire), nextPageToken: page.nextPageToken })),
  bind(KeyService.method.listKeyVersions, "KeyListVersions", (page) => ({
    keys: page.items.map(bundleToWire),
    nextPageToken: page.nextPageToken,
  })),
  bind(KeyService.method.updateKey, "KeyUpdate", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(KeyService.method.deleteKey, "KeyDelete", (deleted) => ({ deletedKey: deletedBundleToWire(deleted) })),
  bind(KeyService.method.getDeletedKey, "KeyGetDeleted", (deleted) => ({ deletedKey: deletedBundleToWire(deleted) })),
  bind(KeyService.method.listDeletedKeys, "KeyListDeleted", (page) => ({
    deletedKeys: page.items.map(deletedBundleToWire),
    nextPageToken: page.nextPageToken,
  })),
  bind(KeyService.method.recoverDeletedKey, "KeyRecover", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(KeyService.method.purgeDeletedKey, "KeyPurge", () => ({})),
  bind(KeyService.method.backupKey, "KeyBackup", same),
  bind(KeyService.method.restoreKey, "KeyRestore", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(KeyService.method.rotateKey, "KeyRotate", (bundle) => ({ key: bundleToWire(bundle) })),
  bind(KeyService.method.getRotationPolicy, "KeyRotationPolicyGet", (policy) => ({ policy: rotationPolicyToWire(policy) })),
  bind(KeyService.method.updateRotationPolicy, "KeyRotationPolicySet", (policy) => ({ policy: rotationPolicyToWire(policy) })),
  bind(KeyService.method.getRandomBytes, "RandomBytes", same),
  bind(KeyService.method.getKeyReleasePolicy, "KeyReleasePolicyGet", () => ({})),

  bind(CryptoService.method.sign, "KeySign", same),
  bind(CryptoService.method.verify, "KeyVerify", same),
  bind(CryptoService.method.encrypt, "KeyEncrypt", same),
  bind(CryptoService.method.decrypt, "KeyDecrypt", same),
  bind(CryptoService.method.wrapKey, "KeyWrap", same),
  bind(CryptoService.method.unwrapKey, "KeyUnwrap", same),
  bind(CryptoService.method.signBatch, "KeySignBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, (signature) => ({ signature }))),
  })),
  bind(CryptoService.method.verifyBatch, "KeyVerifyBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, (valid) => ({ valid }))),
  })),
  bind(CryptoService.method.encryptBatch, "KeyEncryptBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, same)),
  })),
  bind(CryptoService.method.decryptBatch, "KeyDecryptBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, (plaintext) => ({ plaintext }))),
  })),
  bind(CryptoService.method.wrapKeyBatch, "KeyWrapBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, (wrappedKey) => ({ wrappedKey }))),
  })),
  bind(CryptoService.method.unwrapKeyBatch, "KeyUnwrapBatch", ({ kid, results }) => ({
    kid,
    results: results.map((result) => batchItem(result, (key) => ({ key }))),
  })),

  bind(SecurityDomainService.method.download, "SecurityDomainDownload", same),
  bind(SecurityDomainService.method.getStatus, "SecurityDomainStatus", same),
  bind(SecurityDomainService.method.getTransferKey, "SecurityDomainTransferKey", same),
  bind(SecurityDomainService.method.upload, "SecurityDomainUpload", same),

  bind(BackupService.method.startBackup, "BackupStart", (job) => ({ job: jobToWire(job) })),
  bind(BackupService.method.getBackupStatus, "BackupStatus", (job) => ({ job: jobToWire(job) })),
  bind(BackupService.method.startRestore, "RestoreStart", (job) => ({ job: jobToWire(job) })),
  bind(BackupService.method.startSelectiveKeyRestore, "SelectiveKeyRestoreStart", (job) => ({ job: jobToWire(job) })),
  bind(BackupService.method.getRestoreStatus, "RestoreStatus", (job) => ({ job: jobToWire(job) })),

  bind(AccessControlService.method.listRoleDefinitions, "RoleDefinitionList", (page) => ({
    roleDefinitions: page.items.map(roleDefinitionToWire),
    nextPageToken: page.nextPageToken,
  })),
  bind(AccessControlService.method.getRoleDefinition, "RoleDefinitionGet", (definition) => ({
    roleDefinition: roleDefinitionToWire(definition),
  })),
  bind(AccessControlService.method.setRoleDefinition, "RoleDefinitionSet", (definition) => ({
    roleDefinition: roleDefinitionToWire(definition),
  })),
  bind(AccessControlService.method.deleteRoleDefinition, "RoleDefinitionDelete", (definition) => ({
    roleDefinition: roleDefinitionToWire(definition),
  })),
  bind(AccessControlService.method.listRoleAssignments, "RoleAssignmentList", (page) => ({
    roleAssignments: page.items.map(roleAssignmentToWire),
    nextPageToken: page.nextPageToken,
  })),
  bind(AccessControlService.method.getRoleAssignment, "RoleAssignmentGet", (assignment) => ({
    roleAssignment: roleAssignmentToWire(assignment),
  })),
  bind(AccessControlService.method.createRoleAssignment, "RoleAssignmentCreate", (assignment) => ({
    roleAssignment: roleAssignmentToWire(assignment),
  })),
  bind(AccessControlService.method.deleteRoleAssignment, "RoleAssignmentDelete", (assignment) => ({
    roleAssignment: roleAssignmentToWire(assignment),
  })),
  bind(AccessControlService.method.checkAccess, "CheckAccess", (access) => ({
    allowed: access.allowed,
    principalExists: access.principalExists,
    principalEnabled: access.principalEnabled,
    decidingAssignments: access.decidingAssignments.map((d) => ({
      roleAssignment: roleAssignmentToWire(d.assignment),
      roleDefinitionId: d.roleDefinitionId,
      roleName: d.roleName,
    })),
  })),
]);
