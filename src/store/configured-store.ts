import { openPostgresStore } from "./postgres/postgres-store.js";
import { openStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/** The variable that names the shared PostgreSQL store, for the server (config `store.postgres.url`) and the CLI alike. */
const POSTGRES_URL_VARIABLE = "KEYHOLD_STORE_POSTGRES_URL";

/**
 * The store a CLI command on the server's machine works on (`keyhold token`, `keyhold directory`): the PostgreSQL
 * database KEYHOLD_STORE_POSTGRES_URL names when it is set, as the server's is, else the data dir's SQLite file.
 */
export function openConfiguredStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const url = env[POSTGRES_URL_VARIABLE];
  return url !== undefined && url !== "" ? openPostgresStore({ url, poolSize: 2 }) : openStore({ dataDir });
}
