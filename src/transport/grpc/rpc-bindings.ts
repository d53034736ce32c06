/**
 * Every RPC of keyhold.v1 bound to one operation of the table, with the
 * conversion of its request into the operation's input and of the
 * operation's result into the response. Nothing else happens here: the
 * pipeline authorizes and audits.
 */
import type { DescService } from "@bufbuild/protobuf";
import { AccessControlService } from "../../gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../gen/keyhold/v1/key_service_pb.js";
import { SecurityDomainService } from "../../gen/keyhold/v1/security_domain_service_pb.js";
import { BackupService } from "../../gen/keyhold/v1/backup_service_pb.js";
import { bundleToWire, deletedBundleToWire, jwkFromWire, plain } from "./messages.js";

export interface RpcBinding {
  readonly service: DescService;
  /** The method's local name (createKey, sign, ...). */
  readonly method: string;
  readonly operation: string;
  readonly toInput: (request: Record<string, unknown>) => unknown;
  readonly toResponse: (result: unknown) => Record<string, unknown>;
}

type Result = Record<string, unknown>;
const asIs = (result: unknown): Result => (result ?? {}) as Result;
const wrapped = (field: string, convert: (value: unknown) => unknown = (v) => v) => (result: unknown): Result => ({ [field]: convert(result) });
const paged = (field: string, convert: (value: unknown) => unknown = (v) => v) => (result: unknown): Result => {
  const page = result as { items: unknown[]; nextPageToken: string };
  return { [field]: page.items.map(convert), nextPageToken: page.nextPageToken };
};
const plainInput = (request: Record<string, unknown>): unknown => plain(request);

function bind(service: DescService, method: string, operation: string, toResponse: RpcBinding["toResponse"], toInput = plainInput): RpcBinding {
  return { service, method, operation, toInput, toResponse };
}

export const RPC_BINDINGS: readonly RpcBinding[] = Object.freeze([
  bind(KeyService, "createKey", "KeyCreate", wrapped("key", bundleToWire)),
  bind(KeyService, "importKey", "KeyImport", wrapped("key", bundleToWire), (request) => ({
    ...(plain(request) as object),
    key: jwkFromWire(request["key"]),
  })),
  bind(KeyService, "getKey", "KeyGet", wrapped("key", bundleToWire)),
  bind(KeyService, "listKeys", "KeyList", paged("keys", bundleToWire)),
  bind(KeyService, "listKeyVersions", "KeyListVersions", paged("keys", bundleToWire)),
  bind(KeyService, "updateKey", "KeyUpdate", wrapped("key", bundleToWire)),
  bind(KeyService, "deleteKey", "KeyDelete", wrapped("deletedKey", deletedBundleToWire)),
  bind(KeyService, "getDeletedKey", "KeyGetDeleted", wrapped("deletedKey", deletedBundleToWire)),
  bind(KeyService, "listDeletedKeys", "KeyListDeleted", paged("deletedKeys", deletedBundleToWire)),
  bind(KeyService, "recoverDeletedKey", "KeyRecover", wrapped("key", bundleToWire)),
  bind(KeyService, "purgeDeletedKey", "KeyPurge", () => ({})),
  bind(KeyService, "backupKey", "KeyBackup", asIs),
  bind(KeyService, "restoreKey", "KeyRestore", wrapped("key", bundleToWire)),
  bind(KeyService, "rotateKey", "KeyRotate", wrapped("key", bundleToWire)),
  bind(KeyService, "getRotationPolicy", "KeyRotationPolicyGet", wrapped("policy")),
  bind(KeyService, "updateRotationPolicy", "KeyRotationPolicySet", wrapped("policy")),
  bind(KeyService, "getRandomBytes", "RandomBytes", asIs),

  bind(CryptoService, "sign", "KeySign", asIs),
  bind(CryptoService, "verify", "KeyVerify", asIs),
  bind(CryptoService, "encrypt", "KeyEncrypt", asIs),
  bind(CryptoService, "decrypt", "KeyDecrypt", asIs),
  bind(CryptoService, "wrapKey", "KeyWrap", asIs),
  bind(CryptoService, "unwrapKey", "KeyUnwrap", asIs),

  bind(SecurityDomainService, "download", "SecurityDomainDownload", asIs),
  bind(SecurityDomainService, "getStatus", "SecurityDomainStatus", asIs),
  bind(SecurityDomainService, "getTransferKey", "SecurityDomainTransferKey", asIs),
  bind(SecurityDomainService, "upload", "SecurityDomainUpload", asIs),

  bind(BackupService, "startBackup", "BackupStart", wrapped("job")),
  bind(BackupService, "getBackupStatus", "BackupStatus", wrapped("job")),
  bind(BackupService, "startRestore", "RestoreStart", wrapped("job")),
  bind(BackupService, "startSelectiveKeyRestore", "SelectiveKeyRestoreStart", wrapped("job")),
  bind(BackupService, "getRestoreStatus", "RestoreStatus", wrapped("job")),

  bind(AccessControlService, "listRoleDefinitions", "RoleDefinitionList", paged("roleDefinitions")),
  bind(AccessControlService, "getRoleDefinition", "RoleDefinitionGet", wrapped("roleDefinition")),
  bind(AccessControlService, "setRoleDefinition", "RoleDefinitionSet", wrapped("roleDefinition")),
  bind(AccessControlService, "deleteRoleDefinition", "RoleDefinitionDelete", wrapped("roleDefinition")),
  bind(AccessControlService, "listRoleAssignments", "RoleAssignmentList", paged("roleAssignments")),
  bind(AccessControlService, "getRoleAssignment", "RoleAssignmentGet", wrapped("roleAssignment")),
  bind(AccessControlService, "createRoleAssignment", "RoleAssignmentCreate", wrapped("roleAssignment")),
  bind(AccessControlService, "deleteRoleAssignment", "RoleAssignmentDelete", wrapped("roleAssignment")),
  bind(AccessControlService, "checkAccess", "CheckAccess", (result) => {
    const r = result as { allowed: boolean; principalExists: boolean; principalEnabled: boolean; decidingAssignments: { assignment: unknown; roleDefinitionId: string; roleName: string }[] };
    return {
      allowed: r.allowed,
      principalExists: r.principalExists,
      principalEnabled: r.principalEnabled,
      decidingAssignments: r.decidingAssignments.map((d) => ({ roleAssignment: d.assignment, roleDefinitionId: d.roleDefinitionId, roleName: d.roleName })),
    };
  }),
]);
