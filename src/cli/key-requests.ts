/**
 * `keyhold key ...` requests: the pure functions that turn flags and files into request messages (tested without a
 * server, and used by the disaster-recovery drill as the CLI would send them).
 */
import { createHash, createPrivateKey } from "node:crypto";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { CURVES, NODE_HASH, algorithmFor, type KeyOperation, type KeyType } from "../crypto/algorithms.js";
import { fromBase64Url } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import {
  DecryptRequestSchema,
  EncryptRequestSchema,
  SignRequestSchema,
  UnwrapKeyRequestSchema,
  VerifyRequestSchema,
  WrapKeyRequestSchema,
  type DecryptRequest,
  type EncryptRequest,
  type SignRequest,
  type UnwrapKeyRequest,
  type VerifyRequest,
  type WrapKeyRequest,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import {
  CreateKeyRequestSchema,
  ImportKeyRequestSchema,
  UpdateKeyRequestSchema,
  type CreateKeyRequest,
  type ImportKeyRequest,
  type UpdateKeyRequest,
} from "../gen/keyhold/v1/key_service_pb.js";
import {
  JsonWebKeySchema,
  KeyAttributesSchema,
  KeyOperationsSchema,
  KeyRotationPolicySchema,
  TagsSchema,
  type KeyAttributes,
  type KeyRotationPolicy,
} from "../gen/keyhold/v1/keys_pb.js";
import { keyType, MAX_TAGS } from "../hsm/keys/key-input.js";
import { JWK_BYTE_MEMBERS } from "../transport/grpc/messages.js";
import {
  bytesFromValueOrFile,
  optionalBase64Url,
  parseTags,
  readInputFile,
  readJsonFile,
  requireFlag,
  type TagRules,
} from "./client-options.js";

// ---------------------------------------------------------------- flag parsing

const KEY_OPERATIONS: readonly KeyOperation[] = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];
/** Key Vault's rules for a key's tags (SPEC section 4), checked before anything is sent. */
export const KEY_TAG_RULES: TagRules = { maxTags: MAX_TAGS, unique: true };
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date or date-time with a zone (`2027-01-31`, `2027-01-31T12:00:00Z`) as unix seconds. */
export function parseTime(flag: string, text: string): bigint {
  const ms = ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw badParameter(flag, "must be an ISO 8601 date or date-time with a zone, e.g. 2027-01-31T12:00:00Z");
  return BigInt(Math.floor(ms / 1000));
}

export function formatTime(seconds: bigint | undefined): string {
  return seconds === undefined ? "-" : new Date(Number(seconds) * 1000).toISOString();
}

/** Operations given as separate words or comma-separated. */
export function parseKeyOps(flag: string, values: readonly string[]): string[] {
  const ops = values
    .flatMap((value) => value.split(","))
    .map((op) => op.trim())
    .filter((op) => op !== "");
  for (const op of ops) {
    if (!(KEY_OPERATIONS as readonly string[]).includes(op)) throw badParameter(flag, `"${op}" is not one of ${KEY_OPERATIONS.join(", ")}`);
  }
  return [...new Set(ops)];
}

function parsePositiveInteger(flag: string, text: string): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) === 0) throw badParameter(flag, "must be a positive whole number");
  return Number(text);
}

/** A key name goes to the server as typed, which names what is wrong with it. */
function requireName(name: string | undefined): string {
  return requireFlag("--name", name, { trim: false });
}

/** The family of a --kty value, as the server's table has it; the message keeps the order this CLI always listed. */
function keyFamily(kty: string): KeyType {
  try {
    return keyType(kty, "--kty").family;
  } catch {
    throw badParameter("--kty", "must be one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM");
  }
}

interface AttributeFlags {
  readonly expires?: string;
  readonly notBefore?: string;
  readonly disabled?: boolean;
}

/** Attributes of a new version: enabled unless --disabled (the field is a plain bool, so it is always sent). */
function newVersionAttributes(flags: AttributeFlags): KeyAttributes {
  return create(KeyAttributesSchema, {
    enabled: flags.disabled !== true,
    ...(flags.notBefore === undefined ? {} : { nbf: parseTime("--not-before", flags.notBefore) }),
    ...(flags.expires === undefined ? {} : { exp: parseTime("--expires", flags.expires) }),
  });
}

export interface CreateKeyFlags extends AttributeFlags {
  readonly name?: string;
  readonly kty?: string;
  readonly size?: string;
  readonly curve?: string;
  readonly ops?: readonly string[];
  readonly tags?: readonly string[];
}

export function buildCreateKeyRequest(flags: CreateKeyFlags): CreateKeyRequest {
  const name = requireName(flags.name);
  const kty = flags.kty ?? "";
  const family = keyFamily(kty);
  if (flags.size !== undefined && family === "EC") throw badParameter("--size", "applies to RSA and oct keys; EC keys take --curve");
  if (flags.curve !== undefined && family !== "EC") throw badParameter("--curve", "applies to EC keys only");
  if (flags.curve !== undefined && !Object.hasOwn(CURVES, flags.curve)) {
    throw badParameter("--curve", `must be one of ${Object.keys(CURVES).join(", ")}`);
  }
  return create(CreateKeyRequestSchema, {
    name,
    kty,
    keySize: flags.size === undefined ? 0 : parsePositiveInteger("--size", flags.size),
    crv: flags.curve ?? "",
    keyOps: parseKeyOps("--ops", flags.ops ?? []),
    attributes: newVersionAttributes(flags),
    tags: parseTags("--tags", flags.tags ?? [], KEY_TAG_RULES),
  });
}

/** node:crypto names secp256k1 by its SEC name; JWA (RFC 8812 section 3.1) and Key Vault call it P-256K. */
const JWK_CURVE_ALIASES: Readonly<Record<string, string>> = { secp256k1: "P-256K" };

/** A JWK (RFC 7517 JSON with base64url members) as the ImportKey message's JsonWebKey. */
function jwkMessage(flag: string, jwk: unknown): ImportKeyRequest["key"] {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) throw badParameter(flag, "must hold a JSON Web Key object");
  const members = jwk as Record<string, unknown>;
  if (typeof members["kty"] !== "string") throw badParameter(`${flag} kty`, "is required");
  const bytes: Record<string, Uint8Array> = {};
  for (const field of JWK_BYTE_MEMBERS) {
    if (members[field] !== undefined) bytes[field] = fromBase64Url(members[field], `${flag} ${field}`);
  }
  const keyOps = members["key_ops"];
  if (keyOps !== undefined && (!Array.isArray(keyOps) || !keyOps.every((op) => typeof op === "string"))) {
    throw badParameter(`${flag} key_ops`, "must be a list of strings");
  }
  const crv = typeof members["crv"] === "string" ? members["crv"] : "";
  return create(JsonWebKeySchema, {
    kty: members["kty"],
    crv: JWK_CURVE_ALIASES[crv] ?? crv,
    keyOps: (keyOps as string[] | undefined) ?? [],
    ...bytes,
  });
}

/** A PEM private key (PKCS#1, SEC 1 or unencrypted PKCS#8) as a JWK. */
export function jwkFromPem(pem: string): Record<string, unknown> {
  let jwk: Record<string, unknown>;
  try {
    jwk = createPrivateKey(pem).export({ format: "jwk" }) as Record<string, unknown>;
  } catch {
    throw badParameter("--pem", "must hold an unencrypted PEM private key");
  }
  if (jwk["kty"] !== "RSA" && jwk["kty"] !== "EC")
    throw badParameter("--pem", `holds a ${String(jwk["kty"])} key; keyhold imports RSA and EC keys`);
  return jwk;
}

export interface ImportKeyFlags extends AttributeFlags {
  readonly name?: string;
  readonly jwk?: string;
  readonly pem?: string;
  readonly tags?: readonly string[];
}

export function buildImportKeyRequest(
  flags: ImportKeyFlags,
  readFile: (flag: string, path: string) => Uint8Array = readInputFile,
): ImportKeyRequest {
  const name = requireName(flags.name);
  if ((flags.jwk === undefined) === (flags.pem === undefined)) throw badParameter("--jwk", "give exactly one of --jwk and --pem");
  let key: ImportKeyRequest["key"];
  if (flags.jwk !== undefined) {
    key = jwkMessage("--jwk", readJsonFile("--jwk", flags.jwk, readFile));
  } else {
    key = jwkMessage("--pem", jwkFromPem(Buffer.from(readFile("--pem", flags.pem ?? "")).toString("utf8")));
  }
  return create(ImportKeyRequestSchema, {
    name,
    key,
    attributes: newVersionAttributes(flags),
    tags: parseTags("--tags", flags.tags ?? [], KEY_TAG_RULES),
  });
}

export interface UpdateKeyFlags {
  readonly name?: string;
  readonly version?: string;
  readonly enabled?: string;
  readonly expires?: string;
  readonly notBefore?: string;
  readonly ops?: readonly string[];
  readonly tags?: readonly string[];
}

/** True when the update changes attributes without saying whether the key stays enabled. */
export function updateNeedsCurrentAttributes(flags: UpdateKeyFlags): boolean {
  return flags.enabled === undefined && (flags.expires !== undefined || flags.notBefore !== undefined);
}

/**
 * UpdateKey replaces the attributes message when present, and its `enabled` is a
 * plain bool; so a change of only --expires carries the current `enabled`, `nbf`
 * and `exp` (read with GetKey) rather than disabling the key by omission.
 */
export function buildUpdateKeyRequest(flags: UpdateKeyFlags, current?: KeyAttributes): UpdateKeyRequest {
  const name = requireName(flags.name);
  if (flags.enabled !== undefined && flags.enabled !== "true" && flags.enabled !== "false") {
    throw badParameter("--enabled", "must be true or false");
  }
  const changesAttributes = flags.enabled !== undefined || flags.expires !== undefined || flags.notBefore !== undefined;
  if (flags.ops === undefined && flags.tags === undefined && !changesAttributes) {
    throw badParameter("--enabled", "nothing to update: give --enabled, --expires, --not-before, --ops or --tags");
  }
  const request = create(UpdateKeyRequestSchema, { name, version: flags.version ?? "" });
  if (changesAttributes) {
    const nbf = flags.notBefore === undefined ? current?.nbf : parseTime("--not-before", flags.notBefore);
    const exp = flags.expires === undefined ? current?.exp : parseTime("--expires", flags.expires);
    request.attributes = create(KeyAttributesSchema, {
      enabled: flags.enabled === undefined ? (current?.enabled ?? true) : flags.enabled === "true",
      ...(nbf === undefined ? {} : { nbf }),
      ...(exp === undefined ? {} : { exp }),
    });
  }
  if (flags.tags !== undefined) request.tags = create(TagsSchema, { values: parseTags("--tags", flags.tags, KEY_TAG_RULES) });
  if (flags.ops !== undefined) request.keyOps = create(KeyOperationsSchema, { values: parseKeyOps("--ops", flags.ops) });
  return request;
}

/**
 * A rotation policy file, either in protobuf JSON (`{lifetimeActions: [{timeAfterCreate, action}], expiryTime}`)
 * or in the Key Vault REST shape (`{lifetimeActions: [{trigger: {...}, action: {type}}], attributes: {expiryTime}}`).
 */
export function rotationPolicyFromJson(json: unknown): KeyRotationPolicy {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw badParameter("--file", "must hold a JSON object");
  const policy = json as { lifetimeActions?: unknown; attributes?: { expiryTime?: unknown }; expiryTime?: unknown; id?: unknown };
  const restShape =
    policy.attributes !== undefined ||
    (Array.isArray(policy.lifetimeActions) && policy.lifetimeActions.some((a) => typeof a === "object" && a !== null && "trigger" in a));
  const protoJson: unknown = restShape
    ? {
        lifetimeActions: (Array.isArray(policy.lifetimeActions) ? policy.lifetimeActions : []).map((item: unknown) => {
          const action = item as { trigger?: { timeAfterCreate?: unknown; timeBeforeExpiry?: unknown }; action?: { type?: unknown } };
          return {
            ...(action.trigger?.timeAfterCreate == null ? {} : { timeAfterCreate: action.trigger.timeAfterCreate }),
            ...(action.trigger?.timeBeforeExpiry == null ? {} : { timeBeforeExpiry: action.trigger.timeBeforeExpiry }),
            ...(action.action?.type == null ? {} : { action: action.action.type }),
          };
        }),
        ...(policy.attributes?.expiryTime == null ? {} : { expiryTime: policy.attributes.expiryTime }),
      }
    : json;
  try {
    return fromJson(KeyRotationPolicySchema, protoJson as JsonValue);
  } catch (error) {
    throw badParameter("--file", `is not a rotation policy: ${(error as Error).message}`);
  }
}

export interface DigestFlags {
  readonly alg?: string;
  readonly digest?: string;
  /** Many digests, one base64url per line: the batch form (key-batch.ts), never a single request's digest. */
  readonly digestFile?: string;
  readonly dataFile?: string;
}

/** The digest to sign or verify: given, or the hash of a data file with the algorithm's own hash. */
function digestFrom(flags: DigestFlags, readFile: (flag: string, path: string) => Uint8Array = readInputFile): Uint8Array {
  const spec = algorithmFor(flags.alg, "sign", "--alg");
  if (flags.digestFile !== undefined) throw badParameter("--digest-file", "cannot be combined with --digest or --data-file");
  if (flags.dataFile !== undefined && flags.digest === undefined) {
    return new Uint8Array(createHash(NODE_HASH[spec.hash]).update(readFile("--data-file", flags.dataFile)).digest());
  }
  return bytesFromValueOrFile(
    [
      ["--digest", flags.digest, "base64url"],
      ["--data-file", flags.dataFile, "file"],
    ],
    readFile,
  );
}

export interface CryptoFlags {
  readonly name?: string;
  readonly version?: string;
  readonly alg?: string;
}

export function buildSignRequest(flags: CryptoFlags & DigestFlags, readFile?: (flag: string, path: string) => Uint8Array): SignRequest {
  return create(SignRequestSchema, {
    name: requireName(flags.name),
    version: flags.version ?? "",
    algorithm: flags.alg ?? "",
    digest: digestFrom(flags, readFile),
  });
}

export function buildVerifyRequest(
  flags: CryptoFlags & DigestFlags & { readonly signature?: string; readonly signatureFile?: string },
  readFile?: (flag: string, path: string) => Uint8Array,
): VerifyRequest {
  if (flags.signatureFile !== undefined) throw badParameter("--signature-file", "goes with --digest-file (one signature per line)");
  if (flags.signature === undefined) throw badParameter("--signature", "is required (or --digest-file with --signature-file for many)");
  return create(VerifyRequestSchema, {
    name: requireName(flags.name),
    version: flags.version ?? "",
    algorithm: flags.alg ?? "",
    digest: digestFrom(flags, readFile),
    signature: fromBase64Url(flags.signature, "--signature"),
  });
}

export interface CipherFlags extends CryptoFlags {
  readonly value?: string;
  readonly in?: string;
  readonly iv?: string;
  readonly aad?: string;
  readonly tag?: string;
  readonly out?: string;
}

function inputBytes(flags: CipherFlags, readFile?: (flag: string, path: string) => Uint8Array): Uint8Array {
  return bytesFromValueOrFile(
    [
      ["--value", flags.value, "base64url"],
      ["--in", flags.in, "file"],
    ],
    readFile,
  );
}

function cipherTarget(flags: CipherFlags, operation: KeyOperation): { name: string; version: string; algorithm: string } {
  return { name: requireName(flags.name), version: flags.version ?? "", algorithm: algorithmFor(flags.alg, operation, "--alg").name };
}

export function buildEncryptRequest(flags: CipherFlags, readFile?: (flag: string, path: string) => Uint8Array): EncryptRequest {
  return create(EncryptRequestSchema, {
    ...cipherTarget(flags, "encrypt"),
    plaintext: inputBytes(flags, readFile),
    iv: optionalBase64Url("--iv", flags.iv),
    aad: optionalBase64Url("--aad", flags.aad),
  });
}

export function buildDecryptRequest(flags: CipherFlags, readFile?: (flag: string, path: string) => Uint8Array): DecryptRequest {
  return create(DecryptRequestSchema, {
    ...cipherTarget(flags, "decrypt"),
    ciphertext: inputBytes(flags, readFile),
    iv: optionalBase64Url("--iv", flags.iv),
    aad: optionalBase64Url("--aad", flags.aad),
    tag: optionalBase64Url("--tag", flags.tag),
  });
}

export function buildWrapKeyRequest(flags: CipherFlags, readFile?: (flag: string, path: string) => Uint8Array): WrapKeyRequest {
  return create(WrapKeyRequestSchema, { ...cipherTarget(flags, "wrapKey"), key: inputBytes(flags, readFile) });
}

export function buildUnwrapKeyRequest(flags: CipherFlags, readFile?: (flag: string, path: string) => Uint8Array): UnwrapKeyRequest {
  return create(UnwrapKeyRequestSchema, { ...cipherTarget(flags, "unwrapKey"), wrappedKey: inputBytes(flags, readFile) });
}

// ---------------------------------------------------------------- text output

/** `https://<hsm-host>/keys/<name>/<version>` to its name and version. */
