import type { Database, Statement } from "better-sqlite3";

/** What repositories need of the database: a compiled statement for a SQL text. */
export interface Statements {
  prepare(sql: string): Statement;
}

/**
 * One compiled statement per SQL text. Repositories write their SQL inline where it is used; compiling it on every
 * call cost about a tenth of the server's main thread under load. Statements are never switched to
 * pluck/raw/expand mode, so sharing them is safe.
 */
export class StatementCache implements Statements {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
