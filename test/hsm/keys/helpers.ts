/**
 * The key domain on top of the security core: a key store (in memory, or a
 * SQLite file to inspect), the node seal, a real worker pool, the key and
 * crypto operations, and a caller holding Crypto User and Crypto Officer.
 * Every call goes through the pipeline (decode, authenticate, authorize, audit).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER, type RoleDefinition } from "../../../src/authz/index.js";
import { KeyholdError, type KeyholdErrorCode } from "../../../src/errors.js";
import type { HsmRuntime } from "../../../src/pipeline/hsm-registry.js";
import { createKeyDomain, createKeyLoader, HsmDomains, openNodeSeal, type KeyDomain, type NodeSeal } from "../../../src/hsm/keys/index.js";
import type { Operation } from "../../../src/pipeline/operation.js";
import { cryptoOperations } from "../../../src/hsm/operations/crypto.js";
import { keyOperations } from "../../../src/hsm/operations/keys.js";
import type { PrincipalRecord } from "../../../src/store/records.js";
import { openMemoryStore, openStore, type Store } from "../../../src/store/index.js";
import { CryptoPool } from "../../../src/workers/pool.js";
import { securityCore, type SecurityCore } from "../helpers.js";

export interface KeyFixture {
  core: SecurityCore;
  keyStore: Store;
  dataDir: string;
  seal: NodeSeal;
  domains: HsmDomains;
  pool: CryptoPool;
  keys: KeyDomain;
  operations: Map<string, Operation>;
  /** The key domain's clock (ms); tokens keep the real time. */
  clock: { now: number };
  user: PrincipalRecord;
  /** Calls an operation through the pipeline as the crypto user, on the default HSM or `hsmName`. */
  call<T = Record<string, unknown>>(operation: string, raw: unknown, hsmName?: string): Promise<T>;
  /** Adds an HSM (its own id, so its own domain secret) where the crypto user holds the same roles. */
  addHsm(name: string, overrides?: Partial<HsmRuntime>): Promise<HsmRuntime>;
  /** The same HSM record with other settings (retention, purge protection). */
  setHsm(overrides: Partial<HsmRuntime>): void;
  close(): Promise<void>;
}

async function grant(core: SecurityCore, hsmId: string, principalId: string, role: RoleDefinition): Promise<void> {
  await core.store.rbac.insertRoleAssignment(hsmId, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: role.id,
    principalId,
  });
}

export async function keyFixture(options: { fileStore?: boolean; threads?: number } = {}): Promise<KeyFixture> {
  const core = await securityCore();
  const dataDir = await mkdtemp(join(tmpdir(), "keyhold-keys-"));
  const keyStore = options.fileStore ? await openStore({ dataDir }) : await openMemoryStore();
  const seal = openNodeSeal({ dataDir, passphrase: undefined });
  const domains = new HsmDomains(keyStore, seal);
  const pool = await CryptoPool.start({ threads: options.threads ?? 1, loadKey: createKeyLoader(keyStore, domains) });
  const clock = { now: Date.now() };
  const keys = createKeyDomain({ store: keyStore, domains, pool, now: () => clock.now });
  const operations = new Map<string, Operation>([...keyOperations(keys), ...cryptoOperations(keys)].map((op) => [op.name, op]));
  const user = await core.directory.createUser(core.tenant.id, {
    userPrincipalName: "crypto@contoso.test",
    displayName: "Crypto",
    password: "Crypto-password-1!",
    enabled: true,
  });
  for (const role of [MANAGED_HSM_CRYPTO_USER, MANAGED_HSM_CRYPTO_OFFICER]) await grant(core, core.hsm.id, user.id, role);
  const token = await core.token(user);
  let hsm = core.hsm;
  return {
    core,
    keyStore,
    dataDir,
    seal,
    domains,
    pool,
    keys,
    operations,
    clock,
    user,
    async call<T>(name: string, raw: unknown, hsmName?: string): Promise<T> {
      const operation = operations.get(name);
      if (operation === undefined) throw new Error(`no operation ${name}`);
      return (await core.pipeline.dispatch(operation, raw, core.meta(token, { hsmName: hsmName ?? core.hsm.name }))) as T;
    },
    async addHsm(name, overrides = {}) {
      const added: HsmRuntime = { ...core.hsm, id: randomUUID(), name, hsmUriHost: `${name}.managedhsm.keyhold.test`, ...overrides };
      core.hsms.putConfigured(added);
      for (const role of [MANAGED_HSM_CRYPTO_USER, MANAGED_HSM_CRYPTO_OFFICER]) await grant(core, added.id, user.id, role);
      return added;
    },
    setHsm(overrides) {
      hsm = { ...hsm, ...overrides };
      core.hsms.putConfigured(hsm);
    },
    async close() {
      await pool.close();
      await keyStore.close();
      await core.close();
    },
  };
}

/** The KeyholdError a call fails with; fails the test when the call succeeds. */
async function failure(promise: Promise<unknown>): Promise<KeyholdError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyholdError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

export async function expectFailure(promise: Promise<unknown>, code: KeyholdErrorCode, field?: string): Promise<KeyholdError> {
  const error = await failure(promise);
  expect({ code: error.code, ...(field === undefined ? {} : { field: error.field }) }).toEqual({
    code,
    ...(field === undefined ? {} : { field }),
  });
  return error;
}

export function versionOf(kid: string): string {
  return kid.slice(kid.lastIndexOf("/") + 1);
}
