/**
 * Whether this node should take calls, as one set of named reasons it should
 * not (an audit journal that cannot be written, an event loop that has
 * stalled). Health endpoints read it, so a load balancer routes around the
 * node while any reason stands, and routes back once every reason is cleared.
 */
export type ServingListener = (serving: boolean) => void;

export class ServingState {
  readonly #reasons = new Map<string, string>();
  readonly #listeners = new Set<ServingListener>();

  get serving(): boolean {
    return this.#reasons.size === 0;
  }

  /** The reasons standing now, by key (e.g. `journal:dev` -> what failed). */
  reasons(): ReadonlyMap<string, string> {
    return new Map(this.#reasons);
  }

  /** Marks the node not serving for `key` until `clear(key)`. */
  set(key: string, description: string): void {
    const was = this.serving;
    this.#reasons.set(key, description);
    if (was) this.#notify();
  }

  clear(key: string): void {
    if (!this.#reasons.delete(key)) return;
    if (this.serving) this.#notify();
  }

  /** Calls `listener` on every change between serving and not serving; returns the unsubscribe function. */
  onChange(listener: ServingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    const serving = this.serving;
    for (const listener of this.#listeners) listener(serving);
  }
}
