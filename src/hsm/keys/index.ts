/**
 * The key domain, assembled. The server's order is:
 *
 *   const seal = await openStoreSeal({ seals: store.seal, dataDir, keyFile });   // refused unless it opens the store
 *   const domains = new HsmDomains(store, seal);       // ensureHsmDomain at HSM bootstrap
 *   const pool = await CryptoPool.start({ loadKey: createKeyLoader(store, domains) });
 *   const keys = createKeyDomain({ store, domains, pool });
 *   operationTable(keyOperations(keys), cryptoOperations(keys), ...);
 *   new RotationScheduler({ service: keys.service, store, hsms, onOutcome }).start(60_000);
 */
import type { Store } from "../../store/index.js";
import type { CryptoPool } from "../../workers/pool.js";
import type { HsmDomains } from "./domain.js";
import { createKeyLoader } from "./key-loader.js";
import { KeyService } from "./key-service.js";
import { OpenedKeys } from "./opened-keys.js";
import { createKeyCrypto, type KeyCrypto } from "./placement.js";

/** The parts of the worker pool the key domain uses. */
type PrivateKeyPool = Pick<CryptoPool, "run" | "evict" | "evictPrefix">;

export interface KeyDomain {
  readonly service: KeyService;
  readonly openedKeys: OpenedKeys;
  readonly pool: PrivateKeyPool;
  /** Sign, verify, encrypt, decrypt, wrap and unwrap with a key version, in the pool or here (placement.ts). */
  readonly keyCrypto: KeyCrypto;
}

export interface KeyDomainOptions {
  readonly store: Store;
  readonly domains: HsmDomains;
  readonly pool: PrivateKeyPool;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
  readonly openedKeysMax?: number;
}

export function createKeyDomain(options: KeyDomainOptions): KeyDomain {
  const openedKeys = new OpenedKeys(createKeyLoader(options.store, options.domains), options.pool, options.openedKeysMax);
  const service = new KeyService({
    store: options.store,
    domains: options.domains,
    evictions: openedKeys,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { service, openedKeys, pool: options.pool, keyCrypto: createKeyCrypto({ pool: options.pool, openedKeys }) };
}

export { openNodeSeal, type NodeSeal } from "./seal.js";
export { openStoreSeal } from "./store-seal.js";
export { ensureHsmDomain, HsmDomains } from "./domain.js";
export { createKeyLoader } from "./key-loader.js";
export { RotationScheduler, type MaintenanceOutcome } from "./rotation-scheduler.js";
export type { DeletedKeyBundle, KeyBundle, KeyItem } from "./bundle.js";
export type { RotationPolicy } from "./rotation.js";
