import type { QueryResult, QueryResultRow } from "pg";

/**
 * What PostgreSQL repositories need of a connection: the statement of a SQL text, asked the way the SQLite
 * repositories ask theirs (`get`, `all`, `run`), so that both implementations read alike. The text may use SQLite's
 * positional `?` or named `@name` placeholders; they become PostgreSQL's `$n`.
 */
export interface PgStatement {
  /** The first row, or undefined. */
  get(...params: unknown[]): Promise<unknown>;
  all(...params: unknown[]): Promise<unknown[]>;
  run(...params: unknown[]): Promise<{ readonly changes: number }>;
}

export interface PgStatements {
  prepare(sql: string): PgStatement;
}

export type Query = (config: { text: string; values: unknown[]; name: string }) => Promise<QueryResult<QueryResultRow>>;

interface Translated {
  readonly text: string;
  /** The `@name` placeholders in `$n` order, when the text uses names. */
  readonly names: readonly string[] | undefined;
  /** A server-side prepared statement's name, one per text, so each connection parses a text once. */
  readonly name: string;
}

const translations = new Map<string, Translated>();

function translate(sql: string): Translated {
  let translated = translations.get(sql);
  if (translated === undefined) {
    const name = `keyhold_${translations.size}`;
    if (/@[a-z_]+/.test(sql)) {
      const names: string[] = [];
      const text = sql.replace(/@([a-z_]+)/g, (_, placeholder: string) => {
        let index = names.indexOf(placeholder);
        if (index < 0) index = names.push(placeholder) - 1;
        return `$${index + 1}`;
      });
      translated = { text, names, name };
    } else {
      let n = 0;
      translated = { text: sql.replace(/\?/g, () => `$${++n}`), names: undefined, name };
    }
    translations.set(sql, translated);
  }
  return translated;
}

const WRITES = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/**
 * Statements on one connection (or the pool, for reads), counting the rows its writes changed: a committing
 * transaction that changed rows writes its call's audit record (src/store/change-records.ts).
 */
export class PgSession implements PgStatements {
  readonly #query: Query;
  #changes = 0;

  constructor(query: Query) {
    this.#query = query;
  }

  get changes(): number {
    return this.#changes;
  }

  prepare(sql: string): PgStatement {
    const translated = translate(sql);
    return {
      get: async (...params) => (await this.#execute(translated, params)).rows[0],
      all: async (...params) => (await this.#execute(translated, params)).rows,
      run: async (...params) => ({ changes: (await this.#execute(translated, params)).rowCount ?? 0 }),
    };
  }

  async #execute(translated: Translated, params: unknown[]): Promise<QueryResult<QueryResultRow>> {
    const values = translated.names === undefined ? params : translated.names.map((name) => (params[0] as Record<string, unknown>)[name]);
    const result = await this.#query({ text: translated.text, values, name: translated.name });
    if (WRITES.has(result.command)) this.#changes += result.rowCount ?? 0;
    return result;
  }
}
