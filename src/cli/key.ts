/**
 * `keyhold key ...`: keys and cryptography over the gRPC data plane, shaped like `az keyvault key ...`. The flags
 * become requests in key-requests.ts and responses become text in key-format.ts.
 */
import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { toBase64Url } from "../crypto/bytes.js";
import {
  CryptoService,
  EncryptResponseSchema,
  DecryptResponseSchema,
  SignResponseSchema,
  UnwrapKeyResponseSchema,
  VerifyResponseSchema,
  WrapKeyResponseSchema,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import {
  BackupKeyRequestSchema,
  BackupKeyResponseSchema,
  CreateKeyResponseSchema,
  DeleteKeyRequestSchema,
  DeleteKeyResponseSchema,
  GetDeletedKeyRequestSchema,
  GetDeletedKeyResponseSchema,
  GetKeyRequestSchema,
  GetKeyResponseSchema,
  GetRotationPolicyRequestSchema,
  GetRotationPolicyResponseSchema,
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
  UpdateKeyResponseSchema,
  UpdateRotationPolicyRequestSchema,
  UpdateRotationPolicyResponseSchema,
} from "../gen/keyhold/v1/key_service_pb.js";
import { type KeyBundle } from "../gen/keyhold/v1/keys_pb.js";
import {
  allPages,
  printResult,
  readInputFile,
  readJsonFile,
  runClient,
  withClientOptions,
  writeOutputFile,
  type ClientFlags,
} from "./client-options.js";
import {
  type CreateKeyFlags,
  buildCreateKeyRequest,
  type ImportKeyFlags,
  buildImportKeyRequest,
  type UpdateKeyFlags,
  updateNeedsCurrentAttributes,
  buildUpdateKeyRequest,
  rotationPolicyFromJson,
  type DigestFlags,
  type CryptoFlags,
  buildSignRequest,
  buildVerifyRequest,
  type CipherFlags,
  buildEncryptRequest,
  buildDecryptRequest,
  buildWrapKeyRequest,
  buildUnwrapKeyRequest,
} from "./key-requests.js";
import { signDigestFile, verifyDigestFile } from "./key-batch.js";
import { formatDeletedKey, formatKeyBundle, formatKeyList, formatRotationPolicy } from "./key-format.js";

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
        const response = await session.unary(
          KeyService.method.getKey,
          create(GetKeyRequestSchema, { name: flags.name, version: flags.version ?? "" }),
        );
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
          const page = await session.unary(
            KeyService.method.listKeyVersions,
            create(ListKeyVersionsRequestSchema, { name: flags.name, pageSize: 0, pageToken }),
          );
          return { items: page.keys, nextPageToken: page.nextPageToken };
        });
        printResult(session.options, ListKeyVersionsResponseSchema, create(ListKeyVersionsResponseSchema, { keys }), () =>
          formatKeyList(keys),
        );
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
          ? (
              await session.unary(
                KeyService.method.getKey,
                create(GetKeyRequestSchema, { name: flags.name ?? "", version: flags.version ?? "" }),
              )
            ).key?.attributes
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
        printResult(session.options, DeleteKeyResponseSchema, response, () =>
          response.deletedKey === undefined ? "deleted" : formatDeletedKey(response.deletedKey),
        );
      }),
    );

  keyCommand(key, "deleted", "show a deleted key, or list them all without --name")
    .option("--name <name>", "key name")
    .action((flags: Flags<{ name?: string }>) =>
      runClient(program, flags, async (session) => {
        if (flags.name !== undefined) {
          const response = await session.unary(KeyService.method.getDeletedKey, create(GetDeletedKeyRequestSchema, { name: flags.name }));
          printResult(session.options, GetDeletedKeyResponseSchema, response, () =>
            response.deletedKey === undefined ? "-" : formatDeletedKey(response.deletedKey),
          );
          return;
        }
        const deletedKeys = await allPages(async (pageToken) => {
          const page = await session.unary(
            KeyService.method.listDeletedKeys,
            create(ListDeletedKeysRequestSchema, { pageSize: 0, pageToken }),
          );
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
        const response = await session.unary(
          KeyService.method.recoverDeletedKey,
          create(RecoverDeletedKeyRequestSchema, { name: flags.name }),
        );
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
        printResult(
          session.options,
          BackupKeyResponseSchema,
          response,
          () => `backup of ${flags.name} written to ${flags.file} (${response.value.length} bytes)`,
        );
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
        const response = await session.unary(
          KeyService.method.getRotationPolicy,
          create(GetRotationPolicyRequestSchema, { name: flags.name }),
        );
        printResult(session.options, GetRotationPolicyResponseSchema, response, () => formatRotationPolicy(response.policy));
      }),
    );
  keyCommand(policy, "set", "set a key's rotation policy from a JSON file (Key Vault or protobuf JSON shape)")
    .requiredOption("--name <name>", "key name")
    .requiredOption("--file <file>", "policy JSON")
    .action((flags: Flags<{ name: string; file: string }>) =>
      runClient(program, flags, async (session) => {
        const request = create(UpdateRotationPolicyRequestSchema, {
          name: flags.name,
          policy: rotationPolicyFromJson(readJsonFile("--file", flags.file)),
        });
        const response = await session.unary(KeyService.method.updateRotationPolicy, request);
        printResult(session.options, UpdateRotationPolicyResponseSchema, response, () => formatRotationPolicy(response.policy));
      }),
    );
}

function registerCryptoCommands(program: Command, key: Command): void {
  const digestHelp = (command: Command): Command =>
    command
      .option("--digest <base64url>", "the digest, base64url")
      .option(
        "--digest-file <file>",
        "many digests, one base64url per line, sent as SignBatch/VerifyBatch calls; prints one answer per line",
      )
      .option("--data-file <file>", "file of data, hashed here with the algorithm's hash");

  digestHelp(addCryptoTarget(keyCommand(key, "sign", "sign a digest, or each line of --digest-file"))).action(
    (flags: Flags<CryptoFlags & DigestFlags>) =>
      runClient(program, flags, async (session) => {
        if (flags.digestFile !== undefined) return signDigestFile(session, flags);
        const response = await session.unary(CryptoService.method.sign, buildSignRequest(flags));
        printResult(
          session.options,
          SignResponseSchema,
          response,
          () => `kid: ${response.kid}\nsignature: ${toBase64Url(response.signature)}`,
        );
      }),
  );

  digestHelp(addCryptoTarget(keyCommand(key, "verify", "verify a signature over a digest, or each line of --signature-file")))
    .option("--signature <base64url>", "the signature, base64url")
    .option("--signature-file <file>", "with --digest-file: the signatures, one base64url per line, line N over digest N")
    .action((flags: Flags<CryptoFlags & DigestFlags & { signature?: string; signatureFile?: string }>) =>
      runClient(program, flags, async (session) => {
        if (flags.digestFile !== undefined) return verifyDigestFile(session, flags);
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
        [
          `kid: ${response.kid}`,
          ...bytesResultLines("ciphertext", response.ciphertext, flags.out, [
            ["iv", response.iv],
            ["tag", response.tag],
          ]),
        ].join("\n"),
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

  addCipherInput(addCryptoTarget(keyCommand(key, "unwrap", "unwrap (decrypt) a wrapped key")), "wrapped key").action(
    (flags: Flags<CipherFlags>) =>
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
