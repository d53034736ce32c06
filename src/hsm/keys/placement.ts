/**
 * Where each cryptographic operation runs: the one place that decides.
 *
 * Private-key RSA and EC work goes to the worker pool: an RSA-2048 PS256
 * sign costs about 500 µs and would stall every other call on the event
 * loop. Symmetric work stays on the main thread, where it costs about what
 * the pool's round trip does. Measured on this 2-core machine (crypto core
 * from dist/src/crypto, native providers, 3000 runs each, mean per call):
 *
 *   pool round trip (ping, 1 in flight, `node dist/bench/index.js pool`) 26 µs
 *   HS256 sign 11 µs · A256KW wrap 21 µs · A256GCM encrypt 4 KiB 29 µs
 *   RSA-2048 OAEP-256 encrypt 45 µs · RSA-2048 PS256 verify 70 µs
 *   ECDSA P-256 verify 126 to 135 µs (7,400 to 7,960/s in `npm run bench -- crypto`; part of the
 *   equation is bigint arithmetic)
 *
 * So RSA and EC verification run in the pool too (ECDSA verify above all:
 * 130 µs would stall the event loop; the worker also keeps the parsed key,
 * so the point is validated once per worker, not per call). RSA encrypt and
 * wrap (45 µs) stay here, next to the 26 µs round trip they would cost.
 *
 * `keyCrypto` is what the operations call: they say what to do with which key
 * version and get typed answers (verify: a boolean); sign, verify, decrypt
 * and unwrapKey are described once as a pool task, which either the pool or
 * this thread performs (src/workers/perform.ts), so the two cannot drift.
 */
import { encrypt, wrapKey, type EncryptResult, type JsonWebKey, type KeyType } from "../../crypto/index.js";
import { eachItem, perform, type KeyTask } from "../../workers/perform.js";
import type { Cancellation, CryptoPool, RunOptions } from "../../workers/pool.js";
import { isValid, type AnswerOf, type ItemReply } from "../../workers/task.js";
import type { UsableVersion } from "./key-service.js";
import type { OpenedKeys } from "./opened-keys.js";

/**
 * Whether the private-key work (sign, verify, decrypt, unwrapKey) of a key of this family runs in the pool.
 * Encrypt and wrap are public-key or symmetric work and always run here.
 */
const ON_POOL: Readonly<Record<KeyType, boolean>> = Object.freeze({ RSA: true, EC: true, oct: false });

interface EncryptParameters {
  readonly iv?: Uint8Array | undefined;
  readonly aad?: Uint8Array | undefined;
}

interface DecryptParameters extends EncryptParameters {
  readonly tag?: Uint8Array | undefined;
}

/**
 * A key version's cryptography, wherever it runs. `signal` is the caller's cancellation: a task still queued for
 * the pool is dropped when it fires; work on this thread is too short to cancel.
 */
export interface KeyCrypto {
  sign(version: UsableVersion, algorithm: string, digest: Uint8Array, signal?: Cancellation): Promise<Uint8Array>;
  verify(version: UsableVersion, algorithm: string, digest: Uint8Array, signature: Uint8Array, signal?: Cancellation): Promise<boolean>;
  decrypt(
    version: UsableVersion,
    algorithm: string,
    ciphertext: Uint8Array,
    parameters: DecryptParameters,
    signal?: Cancellation,
  ): Promise<Uint8Array>;
  unwrapKey(version: UsableVersion, algorithm: string, wrappedKey: Uint8Array, signal?: Cancellation): Promise<Uint8Array>;
  encrypt(
    version: UsableVersion,
    algorithm: string,
    plaintext: Uint8Array,
    parameters: EncryptParameters,
    signal?: Cancellation,
  ): Promise<EncryptResult>;
  wrapKey(version: UsableVersion, algorithm: string, key: Uint8Array, signal?: Cancellation): Promise<Uint8Array>;
  /** Each digest's signature or its own error, in order. */
  signBatch(
    version: UsableVersion,
    algorithm: string,
    digests: readonly Uint8Array[],
    signal?: Cancellation,
  ): Promise<ItemReply<Uint8Array>[]>;
  /** Each ciphertext's plaintext or its own (fixed, oracle-free) error, in order. */
  decryptBatch(
    version: UsableVersion,
    algorithm: string,
    items: readonly DecryptItem[],
    signal?: Cancellation,
  ): Promise<ItemReply<Uint8Array>[]>;
  /** Each plaintext's ciphertext (and iv, tag) or its own error, in order (public-key or symmetric work: here). */
  encryptBatch(
    version: UsableVersion,
    algorithm: string,
    items: readonly EncryptItem[],
    signal?: Cancellation,
  ): Promise<ItemReply<EncryptResult>[]>;
  /** Each wrapped key's key or its own (fixed, oracle-free) error, in order. */
  unwrapKeyBatch(
    version: UsableVersion,
    algorithm: string,
    wrappedKeys: readonly Uint8Array[],
    signal?: Cancellation,
  ): Promise<ItemReply<Uint8Array>[]>;
  /** Each key's wrapped form or its own error, in order (public-key or symmetric work: here). */
  wrapKeyBatch(
    version: UsableVersion,
    algorithm: string,
    keys: readonly Uint8Array[],
    signal?: Cancellation,
  ): Promise<ItemReply<Uint8Array>[]>;
  /** Each item's verdict or its own error, in order. */
  verifyBatch(
    version: UsableVersion,
    algorithm: string,
    items: readonly VerifyItem[],
    signal?: Cancellation,
  ): Promise<ItemReply<boolean>[]>;
}

interface EncryptItem extends EncryptParameters {
  readonly plaintext: Uint8Array;
}

interface DecryptItem extends DecryptParameters {
  readonly ciphertext: Uint8Array;
}

interface VerifyItem {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
}

export interface KeyCryptoParts {
  /** `threads`: how many chunks a batch may be cut into (one task per worker); one when absent. */
  readonly pool: Pick<CryptoPool, "run"> & Partial<Pick<CryptoPool, "threads">>;
  readonly openedKeys: Pick<OpenedKeys, "privateJwk" | "publicJwk">;
}

const NO_SIGNAL: RunOptions = Object.freeze({});
const asIs = <A>(answer: A): A => answer;

/** A batch is cut into chunks of at least this many items: below it, a second worker's round trip costs more than it saves. */
const MIN_CHUNK = 4;

/** The items end to end in one buffer (one to move to a worker), and where each ends; an absent one is empty. */
function joined(items: readonly (Uint8Array | undefined)[]): { data: Uint8Array; sizes: number[] } {
  const present = items.map((item) => item ?? EMPTY);
  return { data: Buffer.concat(present), sizes: present.map((item) => item.length) };
}

const EMPTY = new Uint8Array(0);

export function createKeyCrypto({ pool, openedKeys }: KeyCryptoParts): KeyCrypto {
  /**
   * The one "pool or here?": the pool for a key pair's private-key work, this thread for a symmetric key's.
   * `read` turns the task's answer into the caller's (verify: a boolean) inside the pool's own promise.
   */
  function place<T extends KeyTask, A>(
    version: UsableVersion,
    task: T,
    signal: Cancellation | undefined,
    read: (answer: AnswerOf<T>) => A,
  ): Promise<A> {
    return ON_POOL[version.family] ? pool.run(task, signal === undefined ? NO_SIGNAL : { signal }, read) : performHere(version, task, read);
  }

  async function performHere<T extends KeyTask, A>(version: UsableVersion, task: T, read: (answer: AnswerOf<T>) => A): Promise<A> {
    return read(await perform(task, await openedKeys.privateJwk(version.keyRef)));
  }

  /**
   * A batch as one task per chunk: for the pool, at most one chunk per worker (fewer when the batch is small), so
   * the workers share it; here, one chunk. Answers come back in the items' order.
   */
  async function inChunks<I, R>(
    version: UsableVersion,
    items: readonly I[],
    run: (chunk: readonly I[]) => Promise<readonly R[]>,
  ): Promise<R[]> {
    const count = ON_POOL[version.family] ? Math.max(1, Math.min(pool.threads ?? 1, Math.floor(items.length / MIN_CHUNK))) : 1;
    const size = Math.ceil(items.length / count);
    const chunks: (readonly I[])[] = [];
    for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
    return (await Promise.all(chunks.map(run))).flat();
  }

  /** A key pair's public key; encrypt and wrap use it, or a symmetric key's secret. */
  const publicKey = (version: UsableVersion): JsonWebKey => openedKeys.publicJwk(version.keyRef, version.record.publicJwk);

  return {
    sign: (version, algorithm, digest, signal) =>
      place(version, { operation: "sign", keyRef: version.keyRef, algorithm, data: digest }, signal, asIs),
    verify: (version, algorithm, digest, signature, signal) =>
      place(version, { operation: "verify", keyRef: version.keyRef, algorithm, data: digest, signature }, signal, isValid),
    decrypt: (version, algorithm, ciphertext, { iv, aad, tag }, signal) =>
      place(version, { operation: "decrypt", keyRef: version.keyRef, algorithm, data: ciphertext, iv, aad, tag }, signal, asIs),
    unwrapKey: (version, algorithm, wrappedKey, signal) =>
      place(version, { operation: "unwrapKey", keyRef: version.keyRef, algorithm, data: wrappedKey }, signal, asIs),
    signBatch: (version, algorithm, digests, signal) =>
      inChunks(version, digests, (chunk) =>
        place(version, { operation: "signBatch", keyRef: version.keyRef, algorithm, ...joined(chunk) }, signal, asIs),
      ),
    verifyBatch: (version, algorithm, items, signal) =>
      inChunks(version, items, (chunk) => {
        const digests = joined(chunk.map((item) => item.digest));
        const signatures = joined(chunk.map((item) => item.signature));
        const task = {
          operation: "verifyBatch",
          keyRef: version.keyRef,
          algorithm,
          ...digests,
          signature: signatures.data,
          signatureSizes: signatures.sizes,
        } as const;
        return place(version, task, signal, (answers) =>
          answers.map((answer): ItemReply<boolean> => (answer.status === "ok" ? { status: "ok", value: isValid(answer.value) } : answer)),
        );
      }),
    unwrapKeyBatch: (version, algorithm, wrappedKeys, signal) =>
      inChunks(version, wrappedKeys, (chunk) =>
        place(version, { operation: "unwrapKeyBatch", keyRef: version.keyRef, algorithm, ...joined(chunk) }, signal, asIs),
      ),
    decryptBatch: (version, algorithm, items, signal) =>
      inChunks(version, items, (chunk) => {
        const ciphertexts = joined(chunk.map((item) => item.ciphertext));
        const ivs = joined(chunk.map((item) => item.iv));
        const aads = joined(chunk.map((item) => item.aad));
        const tags = joined(chunk.map((item) => item.tag));
        const task = {
          operation: "decryptBatch",
          keyRef: version.keyRef,
          algorithm,
          ...ciphertexts,
          iv: ivs.data,
          ivSizes: ivs.sizes,
          aad: aads.data,
          aadSizes: aads.sizes,
          tag: tags.data,
          tagSizes: tags.sizes,
        } as const;
        return place(version, task, signal, asIs);
      }),
    async encryptBatch(version, algorithm, items) {
      const jwk = version.family === "oct" ? await openedKeys.privateJwk(version.keyRef) : publicKey(version);
      return eachItem(items, ({ plaintext, iv, aad }) => encrypt(algorithm, jwk, plaintext, { iv, aad }));
    },
    async wrapKeyBatch(version, algorithm, keys) {
      const jwk = version.family === "oct" ? await openedKeys.privateJwk(version.keyRef) : publicKey(version);
      return eachItem(keys, (key) => wrapKey(algorithm, jwk, key));
    },
    async encrypt(version, algorithm, plaintext, parameters) {
      const jwk = version.family === "oct" ? await openedKeys.privateJwk(version.keyRef) : publicKey(version);
      return encrypt(algorithm, jwk, plaintext, parameters);
    },
    async wrapKey(version, algorithm, key) {
      const jwk = version.family === "oct" ? await openedKeys.privateJwk(version.keyRef) : publicKey(version);
      return wrapKey(algorithm, jwk, key);
    },
  };
}
