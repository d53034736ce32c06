/**
 * Conversions between protobuf-es messages and the plain objects operations
 * take and return. Operations never see protobuf types; JWKs travel as JSON
 * Web Keys (base64url strings) inside keyhold and as bytes on the wire.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { copyPermissions, type RoleAssignment, type RoleDefinition } from "../../authz/index.js";
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter } from "../../errors.js";
import type { RoleAssignmentSchema, RoleDefinitionSchema } from "../../gen/keyhold/v1/access_control_service_pb.js";
import type { BackupJobSchema } from "../../gen/keyhold/v1/backup_service_pb.js";
import type {
  DeletedKeyBundleSchema,
  JsonWebKeySchema,
  KeyAttributesSchema,
  KeyBundleSchema,
  KeyRotationPolicySchema,
} from "../../gen/keyhold/v1/keys_pb.js";
import type { BackupJobView } from "../../hsm/backup/index.js";
import type { DeletedKeyBundle, KeyAttributes, KeyBundle, KeyItem } from "../../hsm/keys/bundle.js";
import type { RotationPolicy } from "../../hsm/keys/index.js";

/** A message as a plain object: `$typeName` and `$unknown` removed at every depth. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "$typeName" || key === "$unknown") continue;
    out[key] = plain(field);
  }
  return out;
}

/** The JWK members that are bytes on the wire (base64url in JSON). */
export const JWK_BYTE_MEMBERS = ["n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k"] as const;

/** The wire JsonWebKey (bytes) as a JWK; empty fields are absent, as in JSON. */
export function jwkFromWire(wire: unknown, field = "key"): JsonWebKey {
  if (typeof wire !== "object" || wire === null) throw badParameter(field, "is required");
  const message = wire as Record<string, unknown>;
  const jwk: JsonWebKey = { kty: typeof message["kty"] === "string" ? message["kty"] : "" };
  if (typeof message["kid"] === "string" && message["kid"] !== "") jwk.kid = message["kid"];
  if (typeof message["crv"] === "string" && message["crv"] !== "") jwk.crv = message["crv"];
  const keyOps = message["keyOps"];
  if (Array.isArray(keyOps) && keyOps.length > 0) jwk.key_ops = keyOps.map(String);
  for (const name of JWK_BYTE_MEMBERS) {
    const bytes = message[name];
    if (bytes instanceof Uint8Array && bytes.length > 0) jwk[name] = Buffer.from(bytes).toString("base64url");
  }
  return jwk;
}

/** A public JWK in wire form; private members are never copied, whatever the JWK holds. */
function jwkToWire(jwk: JsonWebKey): MessageInitShape<typeof JsonWebKeySchema> {
  const bytes = (value: string | undefined): Uint8Array =>
    value === undefined ? new Uint8Array(0) : new Uint8Array(Buffer.from(value, "base64url"));
  return {
    kid: jwk.kid ?? "",
    kty: jwk.kty,
    keyOps: jwk.key_ops ?? [],
    n: bytes(jwk.n),
    e: bytes(jwk.e),
    crv: jwk.crv ?? "",
    x: bytes(jwk.x),
    y: bytes(jwk.y),
  };
}

/** Unix seconds as the wire's int64. */
const seconds = (value: number): bigint => BigInt(value);

function attributesToWire(attributes: KeyAttributes): MessageInitShape<typeof KeyAttributesSchema> {
  return {
    enabled: attributes.enabled,
    ...(attributes.nbf === undefined ? {} : { nbf: seconds(attributes.nbf) }),
    ...(attributes.exp === undefined ? {} : { exp: seconds(attributes.exp) }),
    created: seconds(attributes.created),
    updated: seconds(attributes.updated),
    recoveryLevel: attributes.recoveryLevel,
    recoverableDays: attributes.recoverableDays,
    exportable: attributes.exportable,
  };
}

/** A key bundle from the key domain, with its JWK put in wire form; list items carry no JWK. */
export function bundleToWire(bundle: KeyItem | KeyBundle): MessageInitShape<typeof KeyBundleSchema> {
  return {
    kid: bundle.kid,
    attributes: attributesToWire(bundle.attributes),
    tags: { ...bundle.tags },
    managed: bundle.managed,
    ...("key" in bundle ? { key: jwkToWire(bundle.key) } : {}),
  };
}

export function deletedBundleToWire(deleted: DeletedKeyBundle<KeyItem | KeyBundle>): MessageInitShape<typeof DeletedKeyBundleSchema> {
  return {
    key: bundleToWire(deleted.key),
    recoveryId: deleted.recoveryId,
    deletedDate: seconds(deleted.deletedDate),
    scheduledPurgeDate: seconds(deleted.scheduledPurgeDate),
  };
}

export function rotationPolicyToWire(policy: RotationPolicy): MessageInitShape<typeof KeyRotationPolicySchema> {
  return {
    id: policy.id,
    lifetimeActions: policy.lifetimeActions.map((action) => ({
      ...(action.timeAfterCreate === undefined ? {} : { timeAfterCreate: action.timeAfterCreate }),
      ...(action.timeBeforeExpiry === undefined ? {} : { timeBeforeExpiry: action.timeBeforeExpiry }),
      action: action.action,
    })),
    ...(policy.expiryTime === undefined ? {} : { expiryTime: policy.expiryTime }),
    ...(policy.created === undefined ? {} : { created: seconds(policy.created) }),
    ...(policy.updated === undefined ? {} : { updated: seconds(policy.updated) }),
  };
}

export function jobToWire(job: BackupJobView): MessageInitShape<typeof BackupJobSchema> {
  return {
    jobId: job.jobId,
    status: job.status,
    statusDetails: job.statusDetails,
    startTime: seconds(job.startTime),
    endTime: seconds(job.endTime),
    folder: job.folder,
    storageAccount: job.storageAccount,
    container: job.container,
    keyName: job.keyName,
    ...(job.error === undefined ? {} : { error: { code: job.error.code, message: job.error.message } }),
  };
}

export function roleDefinitionToWire(definition: RoleDefinition): MessageInitShape<typeof RoleDefinitionSchema> {
  return {
    id: definition.id,
    name: definition.name,
    roleName: definition.roleName,
    description: definition.description,
    type: definition.type,
    permissions: copyPermissions(definition.permissions),
    assignableScopes: [...definition.assignableScopes],
  };
}

export function roleAssignmentToWire(assignment: RoleAssignment): MessageInitShape<typeof RoleAssignmentSchema> {
  return {
    id: assignment.id,
    name: assignment.name,
    scope: assignment.scope,
    roleDefinitionId: assignment.roleDefinitionId,
    principalId: assignment.principalId,
  };
}
