/**
 * A worker's cache of key material: least recently used entries go first
 * once the total size passes the budget. Sizes are approximate (the JSON
 * length of the JWK), which is what matters for a memory bound.
 */
import type { JsonWebKey } from "../crypto/index.js";

export class KeyCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { jwk: JsonWebKey; bytes: number }>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(keyRef: string): JsonWebKey | undefined {
    const entry = this.#entries.get(keyRef);
    if (entry === undefined) return undefined;
    this.#entries.delete(keyRef);
    this.#entries.set(keyRef, entry);
    return entry.jwk;
  }

  set(keyRef: string, jwk: JsonWebKey): void {
    this.delete(keyRef);
    const bytes = JSON.stringify(jwk).length;
    this.#entries.set(keyRef, { jwk, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || oldest === keyRef) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  delete(keyRef: string): void {
    const entry = this.#entries.get(keyRef);
    if (entry === undefined) return;
    this.#entries.delete(keyRef);
    this.#bytes -= entry.bytes;
  }

  /** Drops every version whose reference starts with `prefix` (a deleted key, a purged HSM). */
  deletePrefix(prefix: string): void {
    for (const keyRef of [...this.#entries.keys()]) if (keyRef.startsWith(prefix)) this.delete(keyRef);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
