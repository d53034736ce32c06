/**
 * Key material the main thread uses, kept in small LRUs so that hot keys are
 * unsealed (private, symmetric keys) or parsed (public JWKs) once. The same
 * JWK object is returned on each hit, so the crypto core's per-object parse
 * cache (src/crypto/jwk.ts) applies as well. Every eviction also reaches the
 * worker pool, so one call drops a version from every place that holds it.
 */
import type { JsonWebKey } from "../../crypto/index.js";
import { Lru } from "../../lru.js";
import type { KeyLoader } from "./key-loader.js";

/** What the worker pool offers for eviction (CryptoPool satisfies it). */
export interface KeyEvictions {
  evict(keyRef: string): void;
  evictPrefix(prefix: string): void;
}

const DEFAULT_OPENED_KEYS = 1024;

export class OpenedKeys implements KeyEvictions {
  readonly #load: KeyLoader;
  readonly #pool: KeyEvictions | undefined;
  readonly #private: Lru<JsonWebKey>;
  readonly #public: Lru<JsonWebKey>;

  constructor(load: KeyLoader, pool: KeyEvictions | undefined, maxEntries = DEFAULT_OPENED_KEYS) {
    this.#load = load;
    this.#pool = pool;
    this.#private = new Lru(maxEntries);
    this.#public = new Lru(maxEntries);
  }

  /** The unsealed private JWK of a version (only symmetric keys are used this way on the main thread). */
  async privateJwk(keyRef: string): Promise<JsonWebKey> {
    const hit = this.#private.get(keyRef);
    if (hit !== undefined) return hit;
    const jwk = await this.#load(keyRef);
    this.#private.set(keyRef, jwk);
    return jwk;
  }

  /** The stored public JWK of a version, parsed once. */
  publicJwk(keyRef: string, stored: string): JsonWebKey {
    let jwk = this.#public.get(keyRef);
    if (jwk === undefined) {
      jwk = JSON.parse(stored) as JsonWebKey;
      this.#public.set(keyRef, jwk);
    }
    return jwk;
  }

  /** How many private keys are open on the main thread. */
  get openCount(): number {
    return this.#private.size;
  }

  evict(keyRef: string): void {
    this.#private.delete(keyRef);
    this.#public.delete(keyRef);
    this.#pool?.evict(keyRef);
  }

  evictPrefix(prefix: string): void {
    this.#private.deletePrefix(prefix);
    this.#public.deletePrefix(prefix);
    this.#pool?.evictPrefix(prefix);
  }
}
