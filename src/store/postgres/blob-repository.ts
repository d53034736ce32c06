import type { BlobRepository } from "../store.js";
import { type BlobItemRow, blobItemFromRow } from "../rows/blob-rows.js";
import type { PgRunner } from "./runner.js";
import type { PgStatements } from "./statements.js";

const accountExists = async (db: PgStatements, account: string): Promise<boolean> =>
  (await db.prepare("SELECT 1 FROM storage_blob_accounts WHERE account = ?").get(account)) !== undefined;

export function postgresBlobRepository(runner: PgRunner): BlobRepository {
  return {
    createAccount: (account, now) =>
      runner.write(
        async (db) =>
          (
            await db
              .prepare("INSERT INTO storage_blob_accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING")
              .run(account, now)
          ).changes > 0,
      ),
    // Containers and blobs go with it (ON DELETE CASCADE).
    deleteAccount: (account) =>
      runner.write(async (db) => (await db.prepare("DELETE FROM storage_blob_accounts WHERE account = ?").run(account)).changes > 0),
    accountExists: (account) => runner.read((db) => accountExists(db, account)),
    createContainer: (account, container, now) =>
      runner.write(async (db) => {
        // The account row is locked until the commit, so a delete of the account cannot slip in between.
        if ((await db.prepare("SELECT 1 FROM storage_blob_accounts WHERE account = ? FOR SHARE").get(account)) === undefined)
          return "noAccount";
        const inserted = (
          await db
            .prepare("INSERT INTO storage_blob_containers (account, container, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .run(account, container, now)
        ).changes;
        return inserted > 0 ? "created" : "existed";
      }),
    listContainers: (account) =>
      runner.read(async (db) => {
        if (!(await accountExists(db, account))) return undefined;
        const rows = (await db
          .prepare("SELECT container FROM storage_blob_containers WHERE account = ? ORDER BY container")
          .all(account)) as {
          container: string;
        }[];
        return rows.map((row) => row.container);
      }),
    containerExists: (account, container) =>
      runner.read(
        async (db) =>
          (await db.prepare("SELECT 1 FROM storage_blob_containers WHERE account = ? AND container = ?").get(account, container)) !==
          undefined,
      ),
    listBlobs: (account, container, page) =>
      runner.read(async (db) => {
        // COLLATE "C" compares the UTF-8 bytes: Azure's listing order.
        const rows = (await db
          .prepare(
            `SELECT name, octet_length(content) AS size, modified_at FROM storage_blobs
             WHERE account = @account AND container = @container
               AND substr(name, 1, char_length(CAST(@prefix AS TEXT))) = CAST(@prefix AS TEXT) AND name > CAST(@after AS TEXT)
             ORDER BY name LIMIT @limit`,
          )
          .all({ account, container, prefix: page.prefix, after: page.after ?? "", limit: page.limit })) as BlobItemRow[];
        return rows.map(blobItemFromRow);
      }),
    readBlob: (account, container, name) =>
      runner.read(async (db) => {
        const row = (await db
          .prepare("SELECT content FROM storage_blobs WHERE account = ? AND container = ? AND name = ?")
          .get(account, container, name)) as { content: Buffer } | undefined;
        return row && new Uint8Array(row.content);
      }),
    appendBlob: (account, container, name, data, now) =>
      runner.write(async (db) => {
        // One statement: concurrent appends to one blob (two nodes forwarding audit events) each land whole.
        const result = await db
          .prepare(
            `INSERT INTO storage_blobs (account, container, name, content, modified_at)
             SELECT @account, @container, @name, @data, @now
             WHERE EXISTS (SELECT 1 FROM storage_blob_containers WHERE account = @account AND container = @container)
             ON CONFLICT (account, container, name)
             DO UPDATE SET content = storage_blobs.content || excluded.content, modified_at = excluded.modified_at`,
          )
          .run({ account, container, name, data: Buffer.from(data), now });
        return result.changes > 0;
      }),
  };
}
