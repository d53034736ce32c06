/**
 * A small cache whose entries live only as long as the store's generation
 * (which every change to principals, memberships, role definitions,
 * assignments, keys and HSMs moves, in any process). Reading the generation
 * is one indexed read, shared by concurrent calls; the lookups it saves are
 * several.
 */
import type { Store } from "./store.js";

const MAX_ENTRIES = 10_000;

export class GenerationCache<T> {
  readonly #generation: () => Promise<number>;
  readonly #entries = new Map<string, T>();
  #filledAt = -1;

  /** `store.onGenerationHint` empties the cache as soon as another node's change is announced. */
  constructor(store: Pick<Store, "generation" | "onGenerationHint">) {
    this.#generation = () => store.generation();
    store.onGenerationHint(() => {
      this.#entries.clear();
      this.#filledAt = -1;
    });
  }

  /**
   * The cached value, or `load()`'s. A loaded value is kept only if no newer
   * generation was seen meanwhile; since `load` runs after the generation was
   * read, what it saw is never older than the generation it is filed under.
   */
  async getOrLoad(key: string, load: () => Promise<T>): Promise<T> {
    const generation = await this.#generation();
    if (generation !== this.#filledAt) {
      this.#entries.clear();
      this.#filledAt = generation;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    if (this.#filledAt === generation) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }
}
