import type { IssuerKeyRepository } from "../store.js";
import type { IssuerKeyRecord } from "../records.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { PgRunner } from "./runner.js";
import { type IssuerKeyRow } from "../rows/issuer-key-rows.js";

export function postgresIssuerKeyRepository(runner: PgRunner): IssuerKeyRepository {
  return {
    list: () =>
      runner.read(async (db) =>
        ((await db.prepare("SELECT * FROM issuer_keys ORDER BY created_at, kid").all()) as IssuerKeyRow[]).map(
          (row): IssuerKeyRecord => ({
            kid: row.kid,
            alg: row.alg,
            privateJwk: row.private_jwk,
            publicJwk: row.public_jwk,
            createdAt: row.created_at,
          }),
        ),
      ),
    insert: (key) =>
      runner.write(async (db) => {
        try {
          await db
            .prepare("INSERT INTO issuer_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)")
            .run(key.kid, key.alg, key.privateJwk, key.publicJwk, key.createdAt);
        } catch (error) {
          rethrowUniqueViolation(error, "An issuer key with this kid already exists.");
        }
      }),
  };
}
