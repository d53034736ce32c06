/**
 * `keyhold key ...`: keys and cryptography over the gRPC data plane, shaped like
 * `az keyvault key ...`. The functions that turn flags into request messages and
 * responses into text are exported and pure, so they are tested without a server.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { CURVES, NODE_HASH, algorithmFor, type KeyOperation, type KeyType } from "../crypto/algorithms.js";
import { fromBase64Url, toBase64Url } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import {
  CryptoService,
  DecryptRequestSchema,
  EncryptRequestSchema,
  EncryptResponseSchema,
  DecryptResponseSchema,
  SignRequestSchema,
  SignResponseSchema,
  UnwrapKeyRequestSchema,
  UnwrapKeyResponseSchema,
  VerifyRequestSchema,
  VerifyResponseSchema,
  WrapKeyRequestSchema,
  WrapKeyResponseSchema,
  type DecryptRequest,
  type EncryptRequest,
  type SignRequest,
  type UnwrapKeyRequest,
  type VerifyRequest,
  type WrapKeyRequest,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import {
  BackupKeyRequestSchema,
  BackupKeyResponseSchema,
  CreateKeyRequestSchema,
  CreateKeyResponseSchema,
  DeleteKeyRequestSchema,
  DeleteKeyResponseSchema,
  GetDeletedKeyRequestSchema,
  GetDeletedKeyResponseSchema,
  GetKeyRequestSchema,
  GetKeyResponseSchema,
  GetRotationPolicyRequestSchema,
  GetRotationPolicyResponseSchema,
  ImportKeyRequestSchema,
  ImportKeyResponseSchema,
  KeyService,
  ListDeletedKeysRequestSchema,
  ListDeletedKeysResponseSchema,
  ListKeysRequestSchema,
  ListKeysResponseSchema,
  ListKeyVersionsRequestSchema,
  ListKeyVersionsResponseSchema,
  PurgeDeletedKeyRequestSchema,
  PurgeDeletedKeyResponseSchema,
  RecoverDeletedKeyRequestSchema,
  RecoverDeletedKeyResponseSchema,
  RestoreKeyRequestSchema,
  RestoreKeyResponseSchema,
  RotateKeyRequestSchema,
  RotateKeyResponseSchema,
  UpdateKeyRequestSchema,
  UpdateKeyResponseSchema,
  UpdateRotationPolicyRequestSchema,
  UpdateRotationPolicyResponseSchema,
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
  type DeletedKeyBundle,
  type KeyAttributes,
  type KeyBundle,
  type KeyRotationPolicy,
} from "../gen/keyhold/v1/keys_pb.js";
import { keyType, MAX_TAGS } from "../hsm/keys/key-input.js";
import { JWK_BYTE_MEMBERS } from "../transport/grpc/messages.js";
import {
  allPages,
  bytesFromValueOrFile,
  optionalBase64Url,
  parseTags,
  printResult,
  readInputFile,
  readJsonFile,
  requireFlag,
  runClient,
  withClientOptions,
  formatTable,
  writeOutputFile,
  type ClientFlags,
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
  const ops = values.flatMap((value) => value.split(",")).map((op) => op.trim()).filter((op) => op !== "");
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

export interface AttributeFlags {
  readonly expires?: string;
  readonly notBefore?: string;
  readonly disabled?: boolean;
}

/** Attributes of a new version: enabled unless --disabled (the field is a plain bool, so it is always sent). */
export function newVersionAttributes(flags: AttributeFlags): KeyAttributes {
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
export function jwkMessage(flag: string, jwk: unknown): ImportKeyRequest["key"] {
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
  return create(JsonWebKeySchema, { kty: members["kty"], crv: JWK_CURVE_ALIASES[crv] ?? crv, keyOps: (keyOps as string[] | undefined) ?? [], ...bytes });
}

/** A PEM private key (PKCS#1, SEC 1 or unencrypted PKCS#8) as a JWK. */
export function jwkFromPem(pem: string): Record<string, unknown> {
  let jwk: Record<string, unknown>;
  try {
    jwk = createPrivateKey(pem).export({ format: "jwk" }) as Record<string, unknown>;
  } catch {
    throw badParameter("--pem", "must hold an unencrypted PEM private key");
  }
  if (jwk["kty"] !== "RSA" && jwk["kty"] !== "EC") throw badParameter("--pem", `holds a ${String(jwk["kty"])} key; keyhold imports RSA and EC keys`);
  return jwk;
}

export interface ImportKeyFlags extends AttributeFlags {
  readonly name?: string;
  readonly jwk?: string;
  readonly pem?: string;
  readonly tags?: readonly string[];
}

export function buildImportKeyRequest(flags: ImportKeyFlags, readFile: (flag: string, path: string) => Uint8Array = readInputFile): ImportKeyRequest {
  const name = requireName(flags.name);
  if ((flags.jwk === undefined) === (flags.pem === undefined)) throw badParameter("--jwk", "give exactly one of --jwk and --pem");
  let key: ImportKeyRequest["key"];
  if (flags.jwk !== undefined) {
    key = jwkMessage("--jwk", readJsonFile("--jwk", flags.jwk, readFile));
  } else {
    key = jwkMessage("--pem", jwkFromPem(Buffer.from(readFile("--pem", flags.pem ?? "")).toString("utf8")));
  }
  return create(ImportKeyRequestSchema, { name, key, attributes: newVersionAttributes(flags), tags: parseTags("--tags", flags.tags ?? [], KEY_TAG_RULES) });
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
  readonly digestFile?: string;
  readonly dataFile?: string;
}

/** The digest to sign or verify: given, read, or the hash of a data file with the algorithm's own hash. */
export function digestFrom(flags: DigestFlags, readFile: (flag: string, path: string) => Uint8Array = readInputFile): Uint8Array {
  const spec = algorithmFor(flags.alg, "sign", "--alg");
  if (flags.dataFile !== undefined && flags.digest === undefined && flags.digestFile === undefined) {
    if (spec.hash === undefined) throw badParameter("--data-file", `${spec.name} has no hash; give --digest`);
    return new Uint8Array(createHash(NODE_HASH[spec.hash]).update(readFile("--data-file", flags.dataFile)).digest());
  }
  return bytesFromValueOrFile(
    [
      ["--digest", flags.digest, "base64url"],
      ["--digest-file", flags.digestFile, "file"],
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
  return create(SignRequestSchema, { name: requireName(flags.name), version: flags.version ?? "", algorithm: flags.alg ?? "", digest: digestFrom(flags, readFile) });
}

export function buildVerifyRequest(
  flags: CryptoFlags & DigestFlags & { readonly signature?: string; readonly signatureFile?: string },
  readFile?: (flag: string, path: string) => Uint8Array,
): VerifyRequest {
  const signature = bytesFromValueOrFile(
    [
      ["--signature", flags.signature, "base64url"],
      ["--signature-file", flags.signatureFile, "file"],
    ],
    readFile,
  );
  return create(VerifyRequestSchema, {
    name: requireName(flags.name),
    version: flags.version ?? "",
    algorithm: flags.alg ?? "",
    digest: digestFrom(flags, readFile),
    signature,
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
export function keyIdParts(kid: string): { name: string; version: string } {
  const match = /\/keys\/([^/]+)(?:\/([^/]+))?\/?$/.exec(kid);
  return { name: match?.[1] ?? kid, version: match?.[2] ?? "" };
}

function keyShape(bundle: KeyBundle): string {
  const key = bundle.key;
  if (key === undefined) return "-";
  if (key.n.length > 0) return `${key.kty} ${key.n.length * 8} bits`;
  if (key.crv !== "") return `${key.kty} ${key.crv}`;
  return key.kty;
}

export function formatKeyBundle(bundle: KeyBundle): string {
  const attributes = bundle.attributes;
  const tags = Object.entries(bundle.tags).map(([k, v]) => `${k}=${v}`);
  return [
    `kid:        ${bundle.kid}`,
    `key:        ${keyShape(bundle)}`,
    `key_ops:    ${bundle.key?.keyOps.join(", ") || "-"}`,
    `enabled:    ${attributes?.enabled ?? false}`,
    `not before: ${formatTime(attributes?.nbf)}`,
    `expires:    ${formatTime(attributes?.exp)}`,
    `created:    ${formatTime(attributes?.created)}`,
    `updated:    ${formatTime(attributes?.updated)}`,
    `recovery:   ${attributes?.recoveryLevel || "-"}${attributes?.recoverableDays ? ` (${attributes.recoverableDays} days)` : ""}`,
    `tags:       ${tags.length === 0 ? "-" : tags.join(", ")}`,
  ].join("\n");
}

/** A header row, then one row per key version: name, version, shape, enabled, expiry. */
export function formatKeyList(bundles: readonly KeyBundle[]): string {
  if (bundles.length === 0) return "(no keys)";
  return formatTable(
    ["NAME", "VERSION", "KEY", "STATE", "EXPIRES"],
    bundles.map((bundle) => {
      const { name, version } = keyIdParts(bundle.kid);
      return [name, version || "-", keyShape(bundle), bundle.attributes?.enabled === true ? "enabled" : "disabled", formatTime(bundle.attributes?.exp)];
    }),
  );
}

export function formatDeletedKey(deleted: DeletedKeyBundle): string {
  const { name } = keyIdParts(deleted.key?.kid ?? "");
  return `${name}  deleted ${formatTime(deleted.deletedDate)}  purge scheduled ${formatTime(deleted.scheduledPurgeDate)}  recoveryId ${deleted.recoveryId}`;
}

export function formatRotationPolicy(policy: KeyRotationPolicy | undefined): string {
  if (policy === undefined || policy.lifetimeActions.length === 0) return "no rotation policy";
  const actions = policy.lifetimeActions.map((action) =>
    action.timeAfterCreate !== "" ? `${action.action} ${action.timeAfterCreate} after creation` : `${action.action} ${action.timeBeforeExpiry} before expiry`,
  );
  return [...actions, `new versions expire after ${policy.expiryTime || "-"}`].join("\n");
}

// ---------------------------------------------------------------- commands

type Flags<T> = ClientFlags & T;

function keyCommand(parent: Command, name: string, description: string): Command {
  return withClientOptions(parent.command(name).description(description));
}

function addAttributeFlags(command: Command): Command {
  return command
    .option("--expires <iso>", "expiry date-time, e.g. 2027-01-31T00:00:00Z")
    .option("--not-before <iso>", "not usable before this date-time")
    .option("--disabled", "create the version disabled")
    .option("--tags <key=value...>", "tags (at most 15)");
}

function addCryptoTarget(command: Command): Command {
  return command
    .requiredOption("--name <name>", "key name")
    .option("--version <version>", "key version (default: the latest)")
    .requiredOption("--alg <algorithm>", "JWA algorithm, e.g. PS256, ES256, RSA-OAEP-256, A256GCM, A256KW");
}

function addCipherInput(command: Command, what: string): Command {
  return command
    .option("--value <base64url>", what)
    .option("--in <file>", `file holding the ${what} (raw bytes)`)
    .option("--out <file>", "write the result's bytes to this file instead of printing base64url");
}

/** The result bytes as base64url, or written raw to --out; then the non-empty extras (iv, tag). */
function bytesResultLines(label: string, bytes: Uint8Array, out: string | undefined, extra: ReadonlyArray<[string, Uint8Array]>): string[] {
  if (out !== undefined) writeOutputFile("--out", out, bytes);
  const lines = [out === undefined ? `${label}: ${toBase64Url(bytes)}` : `${label}: written to ${out} (${bytes.length} bytes)`];
  for (const [name, value] of extra) if (value.length > 0) lines.push(`${name}: ${toBase64Url(value)}`);
  return lines;
}

function registerManagementCommands(program: Command, key: Command): void {
  addAttributeFlags(
    keyCommand(key, "create", "create a key, or a new version of it")
      .requiredOption("--name <name>", "key name")
      .requiredOption("--kty <type>", "RSA, RSA-HSM, EC, EC-HSM, oct or oct-HSM")
      .option("--size <bits>", "RSA: 2048, 3072 or 4096; oct: 128, 192 or 256")
      .option("--curve <curve>", "EC: P-256, P-256K, P-384 or P-521")
      .option("--ops <operations...>", "permitted operations: encrypt decrypt sign verify wrapKey unwrapKey"),
  ).action((flags: Flags<CreateKeyFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(KeyService.method.createKey, buildCreateKeyRequest(flags));
      printResult(session.options, CreateKeyResponseSchema, response, () => bundleText(response.key));
    }),
  );

  addAttributeFlags(
    keyCommand(key, "import", "import a private key (JWK or PEM)")
      .requiredOption("--name <name>", "key name")
      .option("--jwk <file>", "JSON Web Key with its private members")
      .option("--pem <file>", "PEM private key (PKCS#1, SEC 1 or PKCS#8, unencrypted)"),
  ).action((flags: Flags<ImportKeyFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(KeyService.method.importKey, buildImportKeyRequest(flags));
      printResult(session.options, ImportKeyResponseSchema, response, () => bundleText(response.key));
    }),
  );

  keyCommand(key, "get", "show a key version's public part and attributes")
    .requiredOption("--name <name>", "key name")
    .option("--version <version>", "version (default: the latest)")
    .action((flags: Flags<{ name: string; version?: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.getKey, create(GetKeyRequestSchema, { name: flags.name, version: flags.version ?? "" }));
        printResult(session.options, GetKeyResponseSchema, response, () => bundleText(response.key));
      }),
    );

  keyCommand(key, "list", "list the keys (latest version of each)").action((flags: ClientFlags) =>
    runClient(program, flags, async (session) => {
      const keys = await allPages(async (pageToken) => {
        const page = await session.unary(KeyService.method.listKeys, create(ListKeysRequestSchema, { pageSize: 0, pageToken }));
        return { items: page.keys, nextPageToken: page.nextPageToken };
      });
      printResult(session.options, ListKeysResponseSchema, create(ListKeysResponseSchema, { keys }), () => formatKeyList(keys));
    }),
  );

  keyCommand(key, "versions", "list the versions of a key")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const keys = await allPages(async (pageToken) => {
          const page = await session.unary(KeyService.method.listKeyVersions, create(ListKeyVersionsRequestSchema, { name: flags.name, pageSize: 0, pageToken }));
          return { items: page.keys, nextPageToken: page.nextPageToken };
        });
        printResult(session.options, ListKeyVersionsResponseSchema, create(ListKeyVersionsResponseSchema, { keys }), () => formatKeyList(keys));
      }),
    );

  keyCommand(key, "update", "change attributes, permitted operations or tags of a version")
    .requiredOption("--name <name>", "key name")
    .option("--version <version>", "version (default: the latest)")
    .option("--enabled <bool>", "true or false")
    .option("--expires <iso>", "expiry date-time")
    .option("--not-before <iso>", "not usable before this date-time")
    .option("--ops <operations...>", "replaces the permitted operations")
    .option("--tags <key=value...>", "replaces all tags")
    .action((flags: Flags<UpdateKeyFlags>) =>
      runClient(program, flags, async (session) => {
        const current = updateNeedsCurrentAttributes(flags)
          ? (await session.unary(KeyService.method.getKey, create(GetKeyRequestSchema, { name: flags.name ?? "", version: flags.version ?? "" }))).key?.attributes
          : undefined;
        const response = await session.unary(KeyService.method.updateKey, buildUpdateKeyRequest(flags, current));
        printResult(session.options, UpdateKeyResponseSchema, response, () => bundleText(response.key));
      }),
    );

  registerLifecycleCommands(program, key);
}

function bundleText(bundle: KeyBundle | undefined): string {
  return bundle === undefined ? "(no key in the response)" : formatKeyBundle(bundle);
}

function registerLifecycleCommands(program: Command, key: Command): void {
  keyCommand(key, "delete", "soft-delete a key with all its versions")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.deleteKey, create(DeleteKeyRequestSchema, { name: flags.name }));
        printResult(session.options, DeleteKeyResponseSchema, response, () => (response.deletedKey === undefined ? "deleted" : formatDeletedKey(response.deletedKey)));
      }),
    );

  keyCommand(key, "deleted", "show a deleted key, or list them all without --name")
    .option("--name <name>", "key name")
    .action((flags: Flags<{ name?: string }>) =>
      runClient(program, flags, async (session) => {
        if (flags.name !== undefined) {
          const response = await session.unary(KeyService.method.getDeletedKey, create(GetDeletedKeyRequestSchema, { name: flags.name }));
          printResult(session.options, GetDeletedKeyResponseSchema, response, () => (response.deletedKey === undefined ? "-" : formatDeletedKey(response.deletedKey)));
          return;
        }
        const deletedKeys = await allPages(async (pageToken) => {
          const page = await session.unary(KeyService.method.listDeletedKeys, create(ListDeletedKeysRequestSchema, { pageSize: 0, pageToken }));
          return { items: page.deletedKeys, nextPageToken: page.nextPageToken };
        });
        printResult(session.options, ListDeletedKeysResponseSchema, create(ListDeletedKeysResponseSchema, { deletedKeys }), () =>
          deletedKeys.length === 0 ? "(no deleted keys)" : deletedKeys.map(formatDeletedKey).join("\n"),
        );
      }),
    );

  keyCommand(key, "recover", "recover a soft-deleted key")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.recoverDeletedKey, create(RecoverDeletedKeyRequestSchema, { name: flags.name }));
        printResult(session.options, RecoverDeletedKeyResponseSchema, response, () => bundleText(response.key));
      }),
    );

  keyCommand(key, "purge", "remove a soft-deleted key forever")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.purgeDeletedKey, create(PurgeDeletedKeyRequestSchema, { name: flags.name }));
        printResult(session.options, PurgeDeletedKeyResponseSchema, response, () => `purged ${flags.name}`);
      }),
    );

  keyCommand(key, "backup", "write a protected backup of a key (every version) to a file")
    .requiredOption("--name <name>", "key name")
    .requiredOption("--file <file>", "where to write the backup blob")
    .action((flags: Flags<{ name: string; file: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.backupKey, create(BackupKeyRequestSchema, { name: flags.name }));
        writeOutputFile("--file", flags.file, response.value);
        printResult(session.options, BackupKeyResponseSchema, response, () => `backup of ${flags.name} written to ${flags.file} (${response.value.length} bytes)`);
      }),
    );

  keyCommand(key, "restore", "restore a key from a backup file")
    .requiredOption("--file <file>", "a blob written by `keyhold key backup`")
    .action((flags: Flags<{ file: string }>) =>
      runClient(program, flags, async (session) => {
        const value = readInputFile("--file", flags.file);
        const response = await session.unary(KeyService.method.restoreKey, create(RestoreKeyRequestSchema, { value }));
        printResult(session.options, RestoreKeyResponseSchema, response, () => bundleText(response.key));
      }),
    );

  keyCommand(key, "rotate", "add a version with the same parameters")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.rotateKey, create(RotateKeyRequestSchema, { name: flags.name }));
        printResult(session.options, RotateKeyResponseSchema, response, () => bundleText(response.key));
      }),
    );

  const policy = key.command("rotation-policy").description("automatic rotation of a key");
  keyCommand(policy, "show", "show a key's rotation policy")
    .requiredOption("--name <name>", "key name")
    .action((flags: Flags<{ name: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.getRotationPolicy, create(GetRotationPolicyRequestSchema, { name: flags.name }));
        printResult(session.options, GetRotationPolicyResponseSchema, response, () => formatRotationPolicy(response.policy));
      }),
    );
  keyCommand(policy, "set", "set a key's rotation policy from a JSON file (Key Vault or protobuf JSON shape)")
    .requiredOption("--name <name>", "key name")
    .requiredOption("--file <file>", "policy JSON")
    .action((flags: Flags<{ name: string; file: string }>) =>
      runClient(program, flags, async (session) => {
        const request = create(UpdateRotationPolicyRequestSchema, { name: flags.name, policy: rotationPolicyFromJson(readJsonFile("--file", flags.file)) });
        const response = await session.unary(KeyService.method.updateRotationPolicy, request);
        printResult(session.options, UpdateRotationPolicyResponseSchema, response, () => formatRotationPolicy(response.policy));
      }),
    );
}

function registerCryptoCommands(program: Command, key: Command): void {
  const digestHelp = (command: Command): Command =>
    command
      .option("--digest <base64url>", "the digest, base64url")
      .option("--digest-file <file>", "file holding the digest (raw bytes)")
      .option("--data-file <file>", "file of data, hashed here with the algorithm's hash");

  digestHelp(addCryptoTarget(keyCommand(key, "sign", "sign a digest"))).action((flags: Flags<CryptoFlags & DigestFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(CryptoService.method.sign, buildSignRequest(flags));
      printResult(session.options, SignResponseSchema, response, () => `kid: ${response.kid}\nsignature: ${toBase64Url(response.signature)}`);
    }),
  );

  digestHelp(addCryptoTarget(keyCommand(key, "verify", "verify a signature over a digest")))
    .option("--signature <base64url>", "the signature, base64url")
    .option("--signature-file <file>", "file holding the signature (raw bytes)")
    .action((flags: Flags<CryptoFlags & DigestFlags & { signature?: string; signatureFile?: string }>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(CryptoService.method.verify, buildVerifyRequest(flags));
        printResult(session.options, VerifyResponseSchema, response, () => (response.valid ? "valid" : "NOT valid"));
      }),
    );

  const cipherOptions = (command: Command, what: string): Command =>
    addCipherInput(addCryptoTarget(command), what)
      .option("--iv <base64url>", "initialization vector (AES-GCM: 12 bytes, random when left out; AES-CBC: 16 bytes)")
      .option("--aad <base64url>", "additional authenticated data (AES-GCM)");

  cipherOptions(keyCommand(key, "encrypt", "encrypt bytes"), "plaintext").action((flags: Flags<CipherFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(CryptoService.method.encrypt, buildEncryptRequest(flags));
      printResult(session.options, EncryptResponseSchema, response, () =>
        [`kid: ${response.kid}`, ...bytesResultLines("ciphertext", response.ciphertext, flags.out, [["iv", response.iv], ["tag", response.tag]])].join("\n"),
      );
    }),
  );

  cipherOptions(keyCommand(key, "decrypt", "decrypt bytes"), "ciphertext")
    .option("--tag <base64url>", "authentication tag (AES-GCM)")
    .action((flags: Flags<CipherFlags>) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(CryptoService.method.decrypt, buildDecryptRequest(flags));
        printResult(session.options, DecryptResponseSchema, response, () =>
          [`kid: ${response.kid}`, ...bytesResultLines("plaintext", response.plaintext, flags.out, [])].join("\n"),
        );
      }),
    );

  addCipherInput(addCryptoTarget(keyCommand(key, "wrap", "wrap (encrypt) a key")), "key to wrap").action((flags: Flags<CipherFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(CryptoService.method.wrapKey, buildWrapKeyRequest(flags));
      printResult(session.options, WrapKeyResponseSchema, response, () =>
        [`kid: ${response.kid}`, ...bytesResultLines("wrapped key", response.wrappedKey, flags.out, [])].join("\n"),
      );
    }),
  );

  addCipherInput(addCryptoTarget(keyCommand(key, "unwrap", "unwrap (decrypt) a wrapped key")), "wrapped key").action((flags: Flags<CipherFlags>) =>
    runClient(program, flags, async (session) => {
      const response = await session.unary(CryptoService.method.unwrapKey, buildUnwrapKeyRequest(flags));
      printResult(session.options, UnwrapKeyResponseSchema, response, () =>
        [`kid: ${response.kid}`, ...bytesResultLines("key", response.key, flags.out, [])].join("\n"),
      );
    }),
  );
}

export function registerKeyCommands(program: Command): void {
  const key = program.command("key").description("keys of an HSM and cryptography with them (gRPC data plane)");
  registerManagementCommands(program, key);
  registerCryptoCommands(program, key);
}
