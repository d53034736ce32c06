/**
 * LISTEN on a dedicated connection for the notification that every commit moving the generation sends
 * (`keyhold_generation`, from the generation trigger; PostgreSQL folds a transaction's notifications into one and
 * delivers them only after its commit). What a notification is worth: caches on this node drop what another node
 * just made stale, before the next call asks. What it is not: a substitute for reading the generation, since nothing
 * bounds how late it arrives; calls still compare `Store.generation()`.
 */
import pg from "pg";

const GENERATION_CHANNEL = "keyhold_generation";

/** Waits between attempts to listen again after the connection is lost (the database restarts, a network cut). */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

export class ChangeListener {
  readonly #url: string;
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(url: string) {
    this.#url = url;
    this.#connect();
  }

  /** Calls `listener` on each notification, and after each reconnection (notifications sent meanwhile are lost). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #connect(): void {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 5_000 });
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      this.#retry();
    };
    // A dropped connection emits 'error' and/or 'end'; unheard, 'error' would end the process.
    client.on("error", onLost);
    client.on("end", onLost);
    client.on("notification", () => this.#notify());
    this.#client = client;
    client
      .connect()
      .then(() => client.query(`LISTEN ${GENERATION_CHANNEL}`))
      .then(() => {
        if (this.#closed) return void client.end().catch(() => undefined);
        this.#attempt = 0;
        this.#notify();
      }, onLost);
  }

  #retry(): void {
    if (this.#closed) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.#attempt, RECONNECT_DELAYS_MS.length - 1)]!;
    this.#attempt++;
    this.#timer = setTimeout(() => this.#connect(), delay);
    this.#timer.unref();
  }
}
