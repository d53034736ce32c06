/**
 * The key domain of one node: keys and versions of every HSM it serves,
 * soft delete, backup and restore, rotation, and the checks that come before
 * any cryptography. Operations (src/hsm/operations/keys.ts, crypto.ts) are
 * thin declarations over this service.
 */
import { randomBytes } from "node:crypto";
import type { KeyOperation, KeyType } from "../../crypto/index.js";
import { keyTypeOf } from "../../crypto/index.js";
import { badParameter, echo, KeyholdError } from "../../errors.js";
import type { KeyRecord, KeyVersionPatch, KeyVersionRecord, Store, StoreRepositories } from "../../store/index.js";
import { GenerationCache } from "../../store/generation-cache.js";
import type { HsmRuntime } from "../../pipeline/hsm-registry.js";
import { openPrivateJwk, sealPrivateJwk } from "./at-rest.js";
import { openBackup, openVersions, sealBackup, sealVersions, type KeyBackup } from "./backup.js";
import { deletedKeyBundle, keyBundle, keyId, keyItem, recoveryId, type DeletedKeyBundle, type KeyBundle, type KeyItem } from "./bundle.js";
import type { HsmDomains } from "./domain.js";
import { KEY_OPS_BY_FAMILY, keyOps as readKeyOps, type AttributesInput } from "./key-input.js";
import { keyRef, keyRefPrefix } from "./key-loader.js";
import { generateMaterial, shapeOf, type KeyMaterial } from "./key-material.js";
import type { KeyEvictions } from "./opened-keys.js";
import { rotatedExpiry, type RotationPolicy, type RotationPolicyInput } from "./rotation.js";

/** Key Vault's limit (reference section 5); rotations count. */
const MAX_VERSIONS = 100;

export type KeyHsm = Pick<HsmRuntime, "id" | "name" | "hsmUriHost" | "softDeleteRetentionInDays" | "enablePurgeProtection">;

export interface NewVersion {
  readonly kty: string;
  readonly material: KeyMaterial;
  readonly keyOps?: readonly KeyOperation[] | undefined;
  readonly attributes?: AttributesInput | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

export interface VersionUpdate {
  readonly attributes?: AttributesInput | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Validated against the version's key type here, since decode does not know it. */
  readonly keyOps?: readonly unknown[] | undefined;
}

export interface KeyServiceDeps {
  readonly store: Store;
  readonly domains: HsmDomains;
  /** Where deleted, purged or changed versions are dropped from memory (main-thread cache and workers). */
  readonly evictions?: KeyEvictions;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

/** A version that passed every check before cryptography, with its key reference. */
export interface UsableVersion {
  readonly record: KeyVersionRecord;
  readonly family: KeyType;
  readonly keyRef: string;
  readonly kid: string;
}

function keyNotFound(name: string, version?: string): KeyholdError {
  return new KeyholdError(
    "KeyNotFound",
    version === undefined ? `Key '${echo(name)}' does not exist in this HSM.` : `Key '${echo(name)}' has no version ${echo(version)}.`,
  );
}

function deletedKeyNotFound(name: string): KeyholdError {
  return new KeyholdError("KeyNotFound", `Deleted key '${echo(name)}' does not exist in this HSM.`);
}

function heldByDeletedKey(name: string): KeyholdError {
  return new KeyholdError(
    "ObjectIsDeletedButRecoverable",
    `Key '${name}' is deleted but recoverable: recover it (RecoverDeletedKey) or purge it (PurgeDeletedKey) before reusing the name.`,
  );
}

const familyOfKty = (kty: string): KeyType => keyTypeOf({ kty }, "kty");

export class KeyService {
  readonly #store: Store;
  readonly #domains: HsmDomains;
  readonly #evictions: KeyEvictions | undefined;
  readonly #now: () => number;
  /** The version each crypto call names, as of the store's generation (any change to keys or versions moves it). */
  readonly #usable: GenerationCache<KeyVersionRecord>;

  constructor(deps: KeyServiceDeps) {
    this.#store = deps.store;
    this.#domains = deps.domains;
    this.#evictions = deps.evictions;
    this.#now = deps.now ?? Date.now;
    this.#usable = new GenerationCache(this.#store);
  }

  /** Unix seconds. */
  nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Adds a version to `name`, creating the key when the name is new (CreateKey, ImportKey, RotateKey). */
  async addVersion(hsm: KeyHsm, name: string, spec: NewVersion): Promise<KeyBundle> {
    return (await this.#addVersion(hsm, name, spec, undefined))!;
  }

  /**
   * Adds the version unless `replaces` (when given) is no longer the key's latest version: then nothing is added and
   * the result is undefined. The check and the insert are one transaction, so of several nodes acting on the same
   * due rotation one adds a version.
   */
  async #addVersion(hsm: KeyHsm, name: string, spec: NewVersion, replaces: string | undefined): Promise<KeyBundle | undefined> {
    const domain = await this.#domains.get(hsm.id);
    const now = this.nowSeconds();
    const keyOps = spec.keyOps ?? KEY_OPS_BY_FAMILY[spec.material.family];
    const record = await this.#store.transaction(async (tx) => {
      const key = await tx.keys.getKey(hsm.id, name);
      if (key?.state === "deleted") throw heldByDeletedKey(key.name);
      if (key === undefined) {
        await tx.keys.insertKey({
          hsmId: hsm.id,
          name,
          state: "active",
          createdAt: now,
          deletedDate: undefined,
          scheduledPurgeDate: undefined,
          recoveryId: undefined,
          rotationPolicy: undefined,
        });
      }
      const storedName = key?.name ?? name;
      const latest = await tx.keys.latestVersion(hsm.id, storedName);
      if (replaces !== undefined && latest?.version !== replaces) return undefined;
      const seq = (latest?.seq ?? 0) + 1;
      if (seq > MAX_VERSIONS) {
        throw new KeyholdError("OperationNotAllowed", `Key '${storedName}' already has ${MAX_VERSIONS} versions, the most a key may have.`);
      }
      const version = randomBytes(16).toString("hex");
      const versionRecord: KeyVersionRecord = {
        hsmId: hsm.id,
        name: storedName,
        version,
        seq,
        kty: spec.kty,
        keyOps: [...keyOps],
        tags: spec.tags ?? {},
        enabled: spec.attributes?.enabled ?? true,
        nbf: spec.attributes?.nbf,
        exp: spec.attributes?.exp,
        created: now,
        updated: now,
        publicJwk: JSON.stringify(spec.material.publicJwk),
        sealedPrivateJwk: sealPrivateJwk(domain, { hsmId: hsm.id, name: storedName, version }, spec.material.privateJwk),
      };
      await tx.keys.insertVersion(versionRecord);
      return versionRecord;
    });
    return record && keyBundle(hsm, record);
  }

  async #activeKey(repos: StoreRepositories, hsm: KeyHsm, name: string): Promise<KeyRecord> {
    const key = await repos.keys.getKey(hsm.id, name);
    if (key === undefined || key.state !== "active") throw keyNotFound(name);
    return key;
  }

  async #version(repos: StoreRepositories, hsm: KeyHsm, key: KeyRecord, version: string | undefined): Promise<KeyVersionRecord> {
    const record =
      version === undefined ? await repos.keys.latestVersion(hsm.id, key.name) : await repos.keys.getVersion(hsm.id, key.name, version);
    if (record === undefined) throw keyNotFound(key.name, version);
    return record;
  }

  async get(hsm: KeyHsm, name: string, version?: string): Promise<KeyBundle> {
    const key = await this.#activeKey(this.#store, hsm, name);
    return keyBundle(hsm, await this.#version(this.#store, hsm, key, version));
  }

  /** The latest version of each active key, by name. */
  async list(hsm: KeyHsm): Promise<KeyItem[]> {
    const keys = await this.#store.keys.listKeys(hsm.id, "active");
    const latest = await Promise.all(keys.map((key) => this.#store.keys.latestVersion(hsm.id, key.name)));
    return latest.flatMap((record) => (record === undefined ? [] : [keyItem(hsm, record)]));
  }

  async listVersions(hsm: KeyHsm, name: string): Promise<KeyItem[]> {
    const key = await this.#activeKey(this.#store, hsm, name);
    return (await this.#store.keys.listVersions(hsm.id, key.name)).map((record) => keyItem(hsm, record));
  }

  async update(hsm: KeyHsm, name: string, version: string | undefined, change: VersionUpdate): Promise<KeyBundle> {
    const now = this.nowSeconds();
    const record = await this.#store.transaction(async (tx) => {
      const key = await this.#activeKey(tx, hsm, name);
      const current = await this.#version(tx, hsm, key, version);
      const family = familyOfKty(current.kty);
      const keyOps = change.keyOps === undefined ? undefined : readKeyOps(change.keyOps, family, "key_ops.values");
      const nbf = change.attributes?.nbf ?? current.nbf;
      const exp = change.attributes?.exp ?? current.exp;
      if (nbf !== undefined && exp !== undefined && exp <= nbf) throw badParameter("attributes.exp", "must be after nbf");
      const patch: KeyVersionPatch = {
        updated: now,
        ...(change.attributes?.enabled === undefined ? {} : { enabled: change.attributes.enabled }),
        ...(change.attributes?.nbf === undefined ? {} : { nbf: change.attributes.nbf }),
        ...(change.attributes?.exp === undefined ? {} : { exp: change.attributes.exp }),
        ...(change.tags === undefined ? {} : { tags: change.tags }),
        // An empty list (or none) keeps the version's operations; Key Vault has no "no operations" key.
        ...(keyOps === undefined ? {} : { keyOps }),
      };
      await tx.keys.updateVersion(hsm.id, key.name, current.version, patch);
      return (await tx.keys.getVersion(hsm.id, key.name, current.version))!;
    });
    this.#evictions?.evict(keyRef(hsm.id, record.name, record.version));
    return keyBundle(hsm, record);
  }

  async delete(hsm: KeyHsm, name: string): Promise<DeletedKeyBundle> {
    const now = this.nowSeconds();
    const { key, latest } = await this.#store.transaction(async (tx) => {
      const active = await this.#activeKey(tx, hsm, name);
      const deletion = {
        deletedDate: now,
        scheduledPurgeDate: now + hsm.softDeleteRetentionInDays * 86_400,
        recoveryId: recoveryId(hsm, active.name),
      };
      await tx.keys.markDeleted(hsm.id, active.name, deletion);
      return { key: { ...active, state: "deleted" as const, ...deletion }, latest: await this.#version(tx, hsm, active, undefined) };
    });
    this.#evictions?.evictPrefix(keyRefPrefix(hsm.id, key.name));
    return deletedKeyBundle(key, keyBundle(hsm, latest));
  }

  async #deletedKey(repos: StoreRepositories, hsm: KeyHsm, name: string): Promise<KeyRecord> {
    const key = await repos.keys.getKey(hsm.id, name);
    if (key === undefined || key.state !== "deleted") throw deletedKeyNotFound(name);
    return key;
  }

  async getDeleted(hsm: KeyHsm, name: string): Promise<DeletedKeyBundle> {
    const key = await this.#deletedKey(this.#store, hsm, name);
    return deletedKeyBundle(key, keyBundle(hsm, await this.#version(this.#store, hsm, key, undefined)));
  }

  async listDeleted(hsm: KeyHsm): Promise<DeletedKeyBundle<KeyItem>[]> {
    const keys = await this.#store.keys.listKeys(hsm.id, "deleted");
    const latest = await Promise.all(keys.map((key) => this.#store.keys.latestVersion(hsm.id, key.name)));
    return keys.flatMap((key, i) => {
      const record = latest[i];
      return record === undefined ? [] : [deletedKeyBundle(key, keyItem(hsm, record))];
    });
  }

  async recover(hsm: KeyHsm, name: string): Promise<KeyBundle> {
    const latest = await this.#store.transaction(async (tx) => {
      const key = await this.#deletedKey(tx, hsm, name);
      await tx.keys.markRecovered(hsm.id, key.name);
      return this.#version(tx, hsm, key, undefined);
    });
    return keyBundle(hsm, latest);
  }

  /** Purge protection forbids purging before the scheduled purge date (SPEC section 4). */
  async purge(hsm: KeyHsm, name: string): Promise<void> {
    const now = this.nowSeconds();
    const key = await this.#store.transaction(async (tx) => {
      const deleted = await this.#deletedKey(tx, hsm, name);
      if (hsm.enablePurgeProtection && now < (deleted.scheduledPurgeDate ?? 0)) {
        throw new KeyholdError(
          "OperationNotAllowed",
          `Purge protection is on for HSM '${hsm.name}': key '${deleted.name}' can be purged only after its scheduled purge date (${new Date((deleted.scheduledPurgeDate ?? 0) * 1000).toISOString()}).`,
        );
      }
      await tx.keys.purgeKey(hsm.id, deleted.name);
      return deleted;
    });
    this.#evictions?.evictPrefix(keyRefPrefix(hsm.id, key.name));
  }

  /** Deleted keys (of any HSM) whose retention has passed are purged; returns what was purged. */
  async purgeExpired(): Promise<{ hsmId: string; name: string }[]> {
    const due = await this.#store.keys.listPurgeDue(this.nowSeconds());
    const purged: { hsmId: string; name: string }[] = [];
    for (const key of due) {
      if (await this.#store.keys.purgeKey(key.hsmId, key.name)) purged.push({ hsmId: key.hsmId, name: key.name });
      this.#evictions?.evictPrefix(keyRefPrefix(key.hsmId, key.name));
    }
    return purged;
  }

  async backup(hsm: KeyHsm, name: string): Promise<Uint8Array> {
    const domain = await this.#domains.get(hsm.id);
    const key = await this.#activeKey(this.#store, hsm, name);
    const versions = await this.#store.keys.listVersions(hsm.id, key.name);
    const backup: KeyBackup = {
      name: key.name,
      createdAt: key.createdAt,
      ...(key.rotationPolicy === undefined ? {} : { rotationPolicy: key.rotationPolicy }),
      versions: openVersions(domain, versions),
    };
    return sealBackup(domain, backup);
  }

  /** Only while the name is free: never used, or purged (Key Vault RestoreKey). */
  async restore(hsm: KeyHsm, blob: Uint8Array): Promise<KeyBundle> {
    const domain = await this.#domains.get(hsm.id);
    const backup = openBackup(domain, blob);
    const versions = sealVersions(domain, hsm.id, backup.name, backup.versions);
    const latest = await this.#store.transaction(async (tx) => {
      const existing = await tx.keys.getKey(hsm.id, backup.name);
      if (existing?.state === "deleted") throw heldByDeletedKey(existing.name);
      if (existing !== undefined) {
        throw new KeyholdError(
          "Conflict",
          `Key '${existing.name}' exists in this HSM: a backup restores only into a free name (delete and purge it first).`,
        );
      }
      await tx.keys.insertKey({
        hsmId: hsm.id,
        name: backup.name,
        state: "active",
        createdAt: backup.createdAt,
        deletedDate: undefined,
        scheduledPurgeDate: undefined,
        recoveryId: undefined,
        rotationPolicy: backup.rotationPolicy,
      });
      let newest: KeyVersionRecord | undefined;
      for (const record of versions) {
        await tx.keys.insertVersion(record);
        if (newest === undefined || record.seq > newest.seq) newest = record;
      }
      return newest!;
    });
    return keyBundle(hsm, latest);
  }

  /** A new version with the latest one's type, size or curve, key_ops and tags; expiry from the rotation policy. */
  async rotate(hsm: KeyHsm, name: string): Promise<KeyBundle> {
    return (await this.#rotate(hsm, name, undefined))!;
  }

  /** A rotation policy's Rotate action: rotates unless `dueVersion` is no longer the latest (another node rotated). */
  rotateIfLatest(hsm: KeyHsm, name: string, dueVersion: string): Promise<KeyBundle | undefined> {
    return this.#rotate(hsm, name, dueVersion);
  }

  async #rotate(hsm: KeyHsm, name: string, dueVersion: string | undefined): Promise<KeyBundle | undefined> {
    const domain = await this.#domains.get(hsm.id);
    const key = await this.#activeKey(this.#store, hsm, name);
    const latest = await this.#version(this.#store, hsm, key, undefined);
    const shape = shapeOf(openPrivateJwk(domain, { hsmId: hsm.id, name: key.name, version: latest.version }, latest.sealedPrivateJwk));
    const policy = key.rotationPolicy === undefined ? undefined : (JSON.parse(key.rotationPolicy) as RotationPolicyInput);
    const exp = rotatedExpiry(policy, this.nowSeconds());
    return this.#addVersion(
      hsm,
      key.name,
      {
        kty: latest.kty,
        material: await generateMaterial(shape),
        keyOps: latest.keyOps as KeyOperation[],
        tags: latest.tags,
        attributes: exp === undefined ? {} : { exp },
      },
      dueVersion,
    );
  }

  #policyId(hsm: KeyHsm, name: string): string {
    return `https://${hsm.hsmUriHost}/keys/${name}/rotationpolicy`;
  }

  async getRotationPolicy(hsm: KeyHsm, name: string): Promise<RotationPolicy> {
    const key = await this.#activeKey(this.#store, hsm, name);
    if (key.rotationPolicy === undefined) return { id: this.#policyId(hsm, key.name), lifetimeActions: [] };
    return { id: this.#policyId(hsm, key.name), ...(JSON.parse(key.rotationPolicy) as Omit<RotationPolicy, "id">) };
  }

  async setRotationPolicy(hsm: KeyHsm, name: string, policy: RotationPolicyInput): Promise<RotationPolicy> {
    const now = this.nowSeconds();
    return this.#store.transaction(async (tx) => {
      const key = await this.#activeKey(tx, hsm, name);
      const previous = key.rotationPolicy === undefined ? undefined : (JSON.parse(key.rotationPolicy) as { created?: number });
      const stored = { ...policy, created: previous?.created ?? now, updated: now };
      await tx.keys.setRotationPolicy(hsm.id, key.name, JSON.stringify(stored));
      return { id: this.#policyId(hsm, key.name), ...stored };
    });
  }

  /**
   * The version a cryptographic operation may use: it must be enabled, within
   * nbf..exp, and permit `operation` in its key_ops (SPEC section 4);
   * otherwise OperationNotAllowed says which rule refused it.
   */
  async usableVersion(hsm: KeyHsm, name: string, version: string | undefined, operation: KeyOperation): Promise<UsableVersion> {
    // Only found versions are cached: a miss throws, so a key created later is found on the next call.
    const record = await this.#usable.getOrLoad(`${hsm.id}\u0000${name}\u0000${version ?? ""}`, async () =>
      this.#version(this.#store, hsm, await this.#activeKey(this.#store, hsm, name), version),
    );
    const label = `Key '${record.name}' version ${record.version}`;
    const now = this.nowSeconds();
    if (!record.enabled) throw new KeyholdError("OperationNotAllowed", `${label} is disabled; enable it with UpdateKey to use it.`);
    if (record.nbf !== undefined && now < record.nbf) {
      throw new KeyholdError("OperationNotAllowed", `${label} is not valid before ${new Date(record.nbf * 1000).toISOString()} (nbf).`);
    }
    if (record.exp !== undefined && now >= record.exp) {
      throw new KeyholdError("OperationNotAllowed", `${label} expired at ${new Date(record.exp * 1000).toISOString()} (exp).`);
    }
    if (!record.keyOps.includes(operation)) {
      throw new KeyholdError(
        "OperationNotAllowed",
        `${label} does not permit '${operation}' (key_ops: ${record.keyOps.join(", ") || "none"}).`,
      );
    }
    return {
      record,
      family: familyOfKty(record.kty),
      keyRef: keyRef(hsm.id, record.name, record.version),
      kid: keyId(hsm, record.name, record.version),
    };
  }
}
