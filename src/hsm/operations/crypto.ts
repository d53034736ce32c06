/**
 * CryptoService: sign, verify, encrypt, decrypt, wrap and unwrap with a key
 * version of one HSM (SPEC sections 3 and 4). Before any cryptography the
 * version must be enabled, within nbf..exp, and permit the operation in its
 * key_ops, and the algorithm must fit the key's type. keys/placement.ts
 * decides where the work runs: private RSA and EC work in the worker pool.
 * `describe` names the key and algorithm only: never digests, data or keys.
 */
import { algorithmFor } from "../../crypto/algorithms.js";
import type { DataActionSuffix } from "../../authz/index.js";
import type { AlgorithmSpec, KeyOperation } from "../../crypto/index.js";
import { MAX_BATCH_ITEMS } from "../../batch-limit.js";
import { badParameter, type KeyholdErrorCode } from "../../errors.js";
import { fields, requiredString, type Fields } from "../../pipeline/decode.js";
import type { KeyDomain } from "../keys/index.js";
import { bytes, keyName, keyVersion, optionalBytes } from "../keys/key-input.js";
import type { UsableVersion } from "../keys/key-service.js";
import type { Cancellation } from "../../workers/pool.js";
import { dataOperation, hsmOf, type OperationContext } from "../../pipeline/operation.js";
import { keyScope } from "./keys.js";
import { describeKeyVersion } from "./keys.js";

interface KeyAddress {
  readonly name: string;
  readonly version: string | undefined;
  readonly algorithm: string;
  readonly spec: AlgorithmSpec;
}

function address(input: Fields, operation: KeyOperation): KeyAddress {
  const name = keyName(input);
  const version = keyVersion(input);
  const algorithm = requiredString(input, "algorithm", 32);
  return { name, version, algorithm, spec: algorithmFor(algorithm, operation) };
}

const describeAddress = (i: KeyAddress) => ({ ...describeKeyVersion(i), algorithm: i.algorithm });

/** The algorithm's key family must be the version's: BadParameter on `algorithm` before any key is touched. */
function checkFamily(spec: AlgorithmSpec, usable: UsableVersion): void {
  if (spec.kty !== usable.family) {
    throw badParameter(
      "algorithm",
      `${spec.name} needs a${spec.kty === "EC" ? "n" : ""} ${spec.kty} key; key '${usable.record.name}' is ${usable.record.kty}`,
    );
  }
}

/** The list field of a batch request: 1 to 1,000 items, or BadParameter naming the field. */
function batchItems(input: Fields, field: string, wireField = field): readonly unknown[] {
  const items = input[field];
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_ITEMS) {
    throw badParameter(
      wireField,
      `must hold 1 to ${MAX_BATCH_ITEMS.toLocaleString("en-US")} items (got ${Array.isArray(items) ? items.length : 0})`,
    );
  }
  return items;
}

function batchBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw badParameter(field, "must be bytes");
  return value;
}

/** A batch item's optional bytes: empty is absent, as in the single form. */
function optionalItemBytes(value: unknown, field: string): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  const present = batchBytes(value, field);
  return present.length === 0 ? undefined : present;
}

/** A batch call's audit details: how many items, and how many failed with which codes ("BadParameter:3,CryptoFailure:1"). */
function describeFailures({ results }: { readonly results: readonly { readonly status: string; readonly code?: KeyholdErrorCode }[] }) {
  const byCode = new Map<string, number>();
  for (const result of results) if (result.code !== undefined) byCode.set(result.code, (byCode.get(result.code) ?? 0) + 1);
  if (byCode.size === 0) return {};
  const failed = [...byCode.values()].reduce((sum, n) => sum + n, 0);
  return { failedItems: String(failed), failedCodes: [...byCode].map(([code, n]) => `${code}:${n}`).join(",") };
}

export function cryptoOperations({ service, keyCrypto }: KeyDomain) {
  async function usable(input: KeyAddress, operation: KeyOperation, context: OperationContext): Promise<UsableVersion> {
    const version = await service.usableVersion(hsmOf(context), input.name, input.version, operation);
    checkFamily(input.spec, version);
    return version;
  }

  const signOp = dataOperation({
    name: "KeySign",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...address(input, "sign"), digest: bytes(input, "digest") };
    },
    dataAction: "keys/sign/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ kid: string; signature: Uint8Array }> {
      const version = await usable(input, "sign", context);
      return { kid: version.kid, signature: await keyCrypto.sign(version, input.algorithm, input.digest, context.signal) };
    },
  });

  const verifyOp = dataOperation({
    name: "KeyVerify",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...address(input, "verify"), digest: bytes(input, "digest"), signature: bytes(input, "signature") };
    },
    dataAction: "keys/verify/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ valid: boolean }> {
      const version = await usable(input, "verify", context);
      return { valid: await keyCrypto.verify(version, input.algorithm, input.digest, input.signature, context.signal) };
    },
  });

  const encryptOp = dataOperation({
    name: "KeyEncrypt",
    decode(raw: unknown) {
      const input = fields(raw);
      return {
        ...address(input, "encrypt"),
        plaintext: bytes(input, "plaintext"),
        iv: optionalBytes(input, "iv"),
        aad: optionalBytes(input, "aad"),
      };
    },
    dataAction: "keys/encrypt/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ kid: string; ciphertext: Uint8Array; iv?: Uint8Array; tag?: Uint8Array }> {
      const version = await usable(input, "encrypt", context);
      const result = await keyCrypto.encrypt(version, input.algorithm, input.plaintext, { iv: input.iv, aad: input.aad }, context.signal);
      return { kid: version.kid, ...result };
    },
  });

  const decryptOp = dataOperation({
    name: "KeyDecrypt",
    decode(raw: unknown) {
      const input = fields(raw);
      return {
        ...address(input, "decrypt"),
        ciphertext: bytes(input, "ciphertext"),
        iv: optionalBytes(input, "iv"),
        aad: optionalBytes(input, "aad"),
        tag: optionalBytes(input, "tag"),
      };
    },
    dataAction: "keys/decrypt/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ kid: string; plaintext: Uint8Array }> {
      const version = await usable(input, "decrypt", context);
      const parameters = { iv: input.iv, aad: input.aad, tag: input.tag };
      return {
        kid: version.kid,
        plaintext: await keyCrypto.decrypt(version, input.algorithm, input.ciphertext, parameters, context.signal),
      };
    },
  });

  const wrapOp = dataOperation({
    name: "KeyWrap",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...address(input, "wrapKey"), key: bytes(input, "key") };
    },
    dataAction: "keys/wrap/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ kid: string; wrappedKey: Uint8Array }> {
      const version = await usable(input, "wrapKey", context);
      return { kid: version.kid, wrappedKey: await keyCrypto.wrapKey(version, input.algorithm, input.key, context.signal) };
    },
  });

  const unwrapOp = dataOperation({
    name: "KeyUnwrap",
    decode(raw: unknown) {
      const input = fields(raw);
      return { ...address(input, "unwrapKey"), wrappedKey: bytes(input, "wrappedKey", "wrapped_key") };
    },
    dataAction: "keys/unwrap/action",
    scope: keyScope,
    describe: (i) => describeAddress(i),
    async execute(input, context): Promise<{ kid: string; key: Uint8Array }> {
      const version = await usable(input, "unwrapKey", context);
      return { kid: version.kid, key: await keyCrypto.unwrapKey(version, input.algorithm, input.wrappedKey, context.signal) };
    },
  });

  /**
   * A batch form: resolved, authorized (the single form's data action on the key's scope) and audited once, with the
   * item count and the failures; `field` holds 1 to 1,000 items, each decoded by `item` (BadParameter names
   * `field[i]...`) and answered by `run` with its own result or its own error.
   */
  function batchOperation<N extends string, I, R extends { readonly status: string; readonly code?: KeyholdErrorCode }>(declaration: {
    readonly name: N;
    readonly operation: KeyOperation;
    readonly dataAction: DataActionSuffix;
    readonly field: string;
    readonly wireField?: string;
    readonly item: (value: unknown, path: string) => I;
    readonly run: (version: UsableVersion, algorithm: string, items: readonly I[], signal: Cancellation | undefined) => Promise<R[]>;
  }) {
    const { name, operation, field, item, run } = declaration;
    const wireField = declaration.wireField ?? field;
    return dataOperation({
      name,
      decode(raw: unknown) {
        const input = fields(raw);
        const key = address(input, operation);
        return { ...key, items: batchItems(input, field, wireField).map((value, i) => item(value, `${wireField}[${i}]`)) };
      },
      dataAction: declaration.dataAction,
      scope: keyScope,
      describe: (i) => ({ ...describeAddress(i), itemCount: String(i.items.length) }),
      describeResult: describeFailures,
      async execute(input, context) {
        const version = await usable(input, operation, context);
        return { kid: version.kid, results: await run(version, input.algorithm, input.items, context.signal) };
      },
    });
  }

  const signBatchOp = batchOperation({
    name: "KeySignBatch",
    operation: "sign",
    dataAction: "keys/sign/action",
    field: "digests",
    item: batchBytes,
    run: keyCrypto.signBatch,
  });

  const verifyBatchOp = batchOperation({
    name: "KeyVerifyBatch",
    operation: "verify",
    dataAction: "keys/verify/action",
    field: "items",
    item: (value, path) => {
      const item = fields(value, path);
      return { digest: batchBytes(item["digest"], `${path}.digest`), signature: batchBytes(item["signature"], `${path}.signature`) };
    },
    run: keyCrypto.verifyBatch,
  });

  const encryptBatchOp = batchOperation({
    name: "KeyEncryptBatch",
    operation: "encrypt",
    dataAction: "keys/encrypt/action",
    field: "items",
    item: (value, path) => {
      const item = fields(value, path);
      return {
        plaintext: batchBytes(item["plaintext"], `${path}.plaintext`),
        iv: optionalItemBytes(item["iv"], `${path}.iv`),
        aad: optionalItemBytes(item["aad"], `${path}.aad`),
      };
    },
    run: keyCrypto.encryptBatch,
  });

  const decryptBatchOp = batchOperation({
    name: "KeyDecryptBatch",
    operation: "decrypt",
    dataAction: "keys/decrypt/action",
    field: "items",
    item: (value, path) => {
      const item = fields(value, path);
      return {
        ciphertext: batchBytes(item["ciphertext"], `${path}.ciphertext`),
        iv: optionalItemBytes(item["iv"], `${path}.iv`),
        aad: optionalItemBytes(item["aad"], `${path}.aad`),
        tag: optionalItemBytes(item["tag"], `${path}.tag`),
      };
    },
    run: keyCrypto.decryptBatch,
  });

  const wrapBatchOp = batchOperation({
    name: "KeyWrapBatch",
    operation: "wrapKey",
    dataAction: "keys/wrap/action",
    field: "keys",
    item: batchBytes,
    run: keyCrypto.wrapKeyBatch,
  });

  const unwrapBatchOp = batchOperation({
    name: "KeyUnwrapBatch",
    operation: "unwrapKey",
    dataAction: "keys/unwrap/action",
    field: "wrappedKeys",
    wireField: "wrapped_keys",
    item: batchBytes,
    run: keyCrypto.unwrapKeyBatch,
  });

  return [
    signOp,
    verifyOp,
    encryptOp,
    decryptOp,
    wrapOp,
    unwrapOp,
    signBatchOp,
    verifyBatchOp,
    encryptBatchOp,
    decryptBatchOp,
    wrapBatchOp,
    unwrapBatchOp,
  ];
}
