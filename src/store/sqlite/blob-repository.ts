import type { BlobRepository } from "../store.js";
import { type BlobItemRow, blobItemFromRow } from "../rows/blob-rows.js";
import type { SqliteRunner } from "./runner.js";
import type { Statements } from "./statement-cache.js";

const accountExists = (db: Statements, account: string): boolean =>
  db.prepare("SELECT 1 FROM storage_blob_accounts WHERE account = ?").get(account) !== undefined;

const containerExists = (db: Statements, account: string, container: string): boolean =>
  db.prepare("SELECT 1 FROM storage_blob_containers WHERE account = ? AND container = ?").get(account, container) !== undefined;

export function sqliteBlobRepository(runner: SqliteRunner): BlobRepository {
  return {
    createAccount: (account, now) =>
      runner.write(
        (db) =>
          db
            .prepare("INSERT INTO storage_blob_accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING")
            .run(account, now).changes > 0,
      ),
    // Containers and blobs go with it (ON DELETE CASCADE).
    deleteAccount: (account) =>
      runner.write((db) => db.prepare("DELETE FROM storage_blob_accounts WHERE account = ?").run(account).changes > 0),
    accountExists: (account) => runner.read((db) => accountExists(db, account)),
    createContainer: (account, container, now) =>
      runner.write((db) => {
        if (!accountExists(db, account)) return "noAccount";
        const inserted = db
          .prepare("INSERT INTO storage_blob_containers (account, container, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
          .run(account, container, now).changes;
        return inserted > 0 ? "created" : "existed";
      }),
    listContainers: (account) =>
      runner.read((db) => {
        if (!accountExists(db, account)) return undefined;
        const rows = db.prepare("SELECT container FROM storage_blob_containers WHERE account = ? ORDER BY container").all(account) as {
          container: string;
        }[];
        return rows.map((row) => row.container);
      }),
    containerExists: (account, container) => runner.read((db) => containerExists(db, account, container)),
    listBlobs: (account, container, page) =>
      runner.read((db) => {
        // BINARY comparison is memcmp of the UTF-8 names: Azure's listing order.
        const rows = db
          .prepare(
            `SELECT name, length(content) AS size, modified_at FROM storage_blobs
             WHERE account = @account AND container = @container AND substr(name, 1, length(@prefix)) = @prefix AND name > @after
             ORDER BY name LIMIT @limit`,
          )
          .all({ account, container, prefix: page.prefix, after: page.after ?? "", limit: page.limit }) as BlobItemRow[];
        return rows.map(blobItemFromRow);
      }),
    readBlob: (account, container, name) =>
      runner.read((db) => {
        const row = db
          .prepare("SELECT content FROM storage_blobs WHERE account = ? AND container = ? AND name = ?")
          .get(account, container, name) as { content: Buffer } | undefined;
        return row && new Uint8Array(row.content);
      }),
    appendBlob: (account, container, name, data, now) =>
      // SQLite's || makes text of blobs; the write's immediate transaction makes read-then-write one step.
      runner.write((db) => {
        if (!containerExists(db, account, container)) return false;
        const row = db
          .prepare("SELECT content FROM storage_blobs WHERE account = ? AND container = ? AND name = ?")
          .get(account, container, name) as { content: Buffer } | undefined;
        const content = row === undefined ? Buffer.from(data) : Buffer.concat([row.content, data]);
        db.prepare(
          `INSERT INTO storage_blobs (account, container, name, content, modified_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (account, container, name) DO UPDATE SET content = excluded.content, modified_at = excluded.modified_at`,
        ).run(account, container, name, content, now);
        return true;
      }),
  };
}
