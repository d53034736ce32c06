/** One step of a store's schema; both stores number theirs alike (src/store/sqlite/migrations.ts, src/store/postgres/migrations.ts). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
