import type { SealRepository } from "../store.js";
import { type SealRow, sealFromRow } from "../rows/blob-rows.js";
import type { SqliteRunner } from "./runner.js";

export function sqliteSealRepository(runner: SqliteRunner): SealRepository {
  return {
    get: () =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM node_seal WHERE id = 1").get() as SealRow | undefined;
        return row && sealFromRow(row);
      }),
    insert: (record) =>
      runner.write((db) => {
        db.prepare("INSERT INTO node_seal (id, kind, kdf, check_value, created_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING").run(
          record.kind,
          record.kdf ?? null,
          Buffer.from(record.check),
          record.createdAt,
        );
        return sealFromRow(db.prepare("SELECT * FROM node_seal WHERE id = 1").get() as SealRow);
      }),
    anySealedDomainSecret: () =>
      runner.read((db) => {
        const row = db.prepare("SELECT hsm_id, sealed_secret FROM hsm_domain_secrets ORDER BY hsm_id LIMIT 1").get() as
          | { hsm_id: string; sealed_secret: Buffer }
          | undefined;
        return row && { hsmId: row.hsm_id, sealed: new Uint8Array(row.sealed_secret) };
      }),
  };
}
