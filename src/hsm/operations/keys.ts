/**
 * KeyService: keys, versions, soft delete, backup, rotation and random bytes
 * of one HSM (SPEC sections 3 and 4). Each operation decodes its input,
 * names its data action and scope, and hands the work to the key domain.
 */
import { randomBytes } from "node:crypto";
import { badParameter, KeyholdError } from "../../errors.js";
import { fields, optionalString, page, pageRequest, type Page } from "../../pipeline/decode.js";
import type { KeyDomain } from "../keys/index.js";
import type { DeletedKeyBundle, KeyBundle, KeyItem } from "../keys/bundle.js";
import { attributes, bytes, keyName, keyOps, keyType, keyVersion, optionalInteger, tags } from "../keys/key-input.js";
import { importMaterial, keyShape, generateMaterial } from "../keys/key-material.js";
import { rotationPolicyInput, type RotationPolicy } from "../keys/rotation.js";
import { dataOperation, hsmOf } from "../../pipeline/operation.js";

const MAX_RANDOM_BYTES = 128;

/** Local RBAC scope of everything done to one key. */
export const keyScope = (input: { name: string }): string => `/keys/${input.name}`;

/** `{ name }` requests: one key, addressed by name. */
function named(raw: unknown): { name: string } {
  return { name: keyName(fields(raw)) };
}

/** `{ name, version }` requests: one key version (no version: the latest). */
function namedVersion(raw: unknown): { name: string; version: string | undefined } {
  const input = fields(raw);
  return { name: keyName(input), version: keyVersion(input) };
}

/** The audit details of a request that names a key and perhaps one of its versions. */
export const describeKeyVersion = <I extends { readonly name: string; readonly version?: string | undefined }>(i: I) => ({
  keyName: i.name,
  ...(i.version === undefined ? {} : { keyVersion: i.version }),
});

/** An optional wrapper message `{ values }` of UpdateKey, present only when the part is to change. */
function wrapped(input: Record<string, unknown>, field: string, path: string): unknown {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  return fields(value, path)["values"] ?? (field === "tags" ? {} : []);
}

export function keyOperations({ service }: Pick<KeyDomain, "service">) {
  const create = dataOperation({
    name: "KeyCreate",
    decode(raw: unknown) {
      const input = fields(raw);
      const name = keyName(input);
      const choice = keyType(optionalString(input, "kty", 16));
      return {
        name,
        kty: choice.kty,
        shape: keyShape(choice, optionalInteger(input, "keySize", "key_size"), optionalString(input, "crv", 16)),
        keyOps: keyOps(input["keyOps"], choice.family),
        attributes: attributes(input["attributes"]),
        tags: tags(input["tags"]),
      };
    },
    dataAction: "keys/create",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name, keyType: i.kty }),
    async execute(input, context): Promise<KeyBundle> {
      const material = await generateMaterial(input.shape);
      return service.addVersion(hsmOf(context), input.name, { ...input, material });
    },
  });

  const importKey = dataOperation({
    name: "KeyImport",
    decode(raw: unknown) {
      const input = fields(raw);
      const name = keyName(input);
      const material = importMaterial(input["key"], "key");
      const kty = keyType(fields(input["key"], "key")["kty"], "key.kty").kty;
      return {
        name,
        kty,
        material,
        keyOps: keyOps(fields(input["key"], "key")["key_ops"], material.family, "key.key_ops"),
        attributes: attributes(input["attributes"]),
        tags: tags(input["tags"]),
      };
    },
    dataAction: "keys/import/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name, keyType: i.kty }),
    execute: (input, context): Promise<KeyBundle> => service.addVersion(hsmOf(context), input.name, input),
  });

  const get = dataOperation({
    name: "KeyGet",
    decode: namedVersion,
    dataAction: "keys/read/action",
    scope: keyScope,
    describe: describeKeyVersion,
    execute: (input, context): Promise<KeyBundle> => service.get(hsmOf(context), input.name, input.version),
  });

  const list = dataOperation({
    name: "KeyList",
    decode: (raw: unknown) => ({ page: pageRequest(fields(raw)) }),
    dataAction: "keys/read/action",
    scope: () => "/keys",
    async execute(input, context): Promise<Page<KeyItem>> {
      return page(await service.list(hsmOf(context)), input.page);
    },
  });

  const listVersions = dataOperation({
    name: "KeyListVersions",
    decode(raw: unknown) {
      const input = fields(raw);
      return { name: keyName(input), page: pageRequest(input) };
    },
    dataAction: "keys/read/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    async execute(input, context): Promise<Page<KeyItem>> {
      return page(await service.listVersions(hsmOf(context), input.name), input.page);
    },
  });

  const update = dataOperation({
    name: "KeyUpdate",
    decode(raw: unknown) {
      const input = fields(raw);
      const ops = wrapped(input, "keyOps", "key_ops");
      if (ops !== undefined && !Array.isArray(ops)) throw badParameter("key_ops.values", "must be a list of operations");
      const newTags = wrapped(input, "tags", "tags");
      return {
        name: keyName(input),
        version: keyVersion(input),
        change: {
          attributes: attributes(input["attributes"]),
          // An empty map clears the tags (keys.proto Tags); an empty key_ops list keeps the operations.
          tags: newTags === undefined ? undefined : (tags(newTags, "tags.values") ?? {}),
          keyOps: ops as unknown[] | undefined,
        },
      };
    },
    dataAction: "keys/write/action",
    scope: keyScope,
    describe: describeKeyVersion,
    execute: (input, context): Promise<KeyBundle> => service.update(hsmOf(context), input.name, input.version, input.change),
  });

  const remove = dataOperation({
    name: "KeyDelete",
    decode: named,
    dataAction: "keys/delete",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<DeletedKeyBundle> => service.delete(hsmOf(context), input.name),
  });

  const getDeleted = dataOperation({
    name: "KeyGetDeleted",
    decode: named,
    dataAction: "keys/deletedKeys/read/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<DeletedKeyBundle> => service.getDeleted(hsmOf(context), input.name),
  });

  const listDeleted = dataOperation({
    name: "KeyListDeleted",
    decode: (raw: unknown) => ({ page: pageRequest(fields(raw)) }),
    dataAction: "keys/deletedKeys/read/action",
    scope: () => "/keys",
    async execute(input, context): Promise<Page<DeletedKeyBundle<KeyItem>>> {
      return page(await service.listDeleted(hsmOf(context)), input.page);
    },
  });

  const recover = dataOperation({
    name: "KeyRecover",
    decode: named,
    dataAction: "keys/deletedKeys/recover/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<KeyBundle> => service.recover(hsmOf(context), input.name),
  });

  const purge = dataOperation({
    name: "KeyPurge",
    decode: named,
    dataAction: "keys/deletedKeys/delete",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    async execute(input, context): Promise<Record<string, never>> {
      await service.purge(hsmOf(context), input.name);
      return {};
    },
  });

  const backup = dataOperation({
    name: "KeyBackup",
    decode: named,
    dataAction: "keys/backup/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    async execute(input, context): Promise<{ value: Uint8Array }> {
      return { value: await service.backup(hsmOf(context), input.name) };
    },
  });

  const restore = dataOperation({
    name: "KeyRestore",
    decode: (raw: unknown) => ({ value: bytes(fields(raw), "value") }),
    // The key's name is inside the encrypted blob, so the scope is all keys.
    dataAction: "keys/restore/action",
    scope: () => "/keys",
    execute: (input, context): Promise<KeyBundle> => service.restore(hsmOf(context), input.value),
  });

  const rotate = dataOperation({
    name: "KeyRotate",
    decode: named,
    dataAction: "keys/rotate/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<KeyBundle> => service.rotate(hsmOf(context), input.name),
  });

  const getRotationPolicy = dataOperation({
    name: "KeyRotationPolicyGet",
    decode: named,
    dataAction: "keys/read/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<RotationPolicy> => service.getRotationPolicy(hsmOf(context), input.name),
  });

  const setRotationPolicy = dataOperation({
    name: "KeyRotationPolicySet",
    decode(raw: unknown) {
      const input = fields(raw);
      return { name: keyName(input), policy: rotationPolicyInput(input["policy"]) };
    },
    dataAction: "keys/write/action",
    scope: keyScope,
    describe: (i) => ({ keyName: i.name }),
    execute: (input, context): Promise<RotationPolicy> => service.setRotationPolicy(hsmOf(context), input.name, input.policy),
  });

  const random = dataOperation({
    name: "RandomBytes",
    decode(raw: unknown) {
      const count = fields(raw)["count"];
      if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_RANDOM_BYTES) {
        throw badParameter("count", `must be an integer from 1 to ${MAX_RANDOM_BYTES}`);
      }
      return { count };
    },
    dataAction: "rng/action",
    scope: () => "/",
    async execute(input): Promise<{ value: Uint8Array }> {
      return { value: new Uint8Array(randomBytes(input.count)) };
    },
  });

  const getReleasePolicy = dataOperation({
    name: "KeyReleasePolicyGet",
    decode: namedVersion,
    dataAction: "keys/read/action",
    scope: keyScope,
    describe: describeKeyVersion,
    async execute(input, context): Promise<never> {
      // An unknown key is NotFound, as for GetKey; a known one has no release policy to show.
      await service.get(hsmOf(context), input.name, input.version);
      throw new KeyholdError(
        "OperationNotAllowed",
        `Key '${input.name}' has no release policy: keyhold keys are never exportable, so they cannot be released.`,
      );
    },
  });

  return [
    create,
    importKey,
    get,
    list,
    listVersions,
    update,
    remove,
    getDeleted,
    listDeleted,
    recover,
    purge,
    backup,
    restore,
    rotate,
    getRotationPolicy,
    setRotationPolicy,
    random,
    getReleasePolicy,
  ];
}
