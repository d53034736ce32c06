import { sqliteDiagnosticCursorRepository } from "./diagnostic-cursor-repository.js";
import { sqliteWorkClaimRepository } from "./work-claim-repository.js";
import { sqliteBlobRepository } from "./blob-repository.js";
import { sqliteSealRepository } from "./seal-repository.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { StatementCache } from "./statement-cache.js";
import type { Store, StoreRepositories } from "../store.js";
import { sqliteBackupJobRepository } from "./backup-job-repository.js";
import { sqliteCredentialRepository } from "./credential-repository.js";
import { sqliteDirectoryRepository } from "./directory-repository.js";
import { sqliteIssuerKeyRepository } from "./issuer-key-repository.js";
import { sqliteKeyRepository } from "./key-repository.js";
import { sqliteManagementRepository } from "./management-repository.js";
import { applyMigrations } from "./migrate.js";
import { asStoreError } from "./constraint-errors.js";
import { sqliteAuditOutboxRepository } from "./audit-outbox-repository.js";
import { recordPendingChange, totalChanges } from "./pending-change.js";
import { MIGRATIONS } from "./migrations.js";
import { applySqlitePragmas } from "./pragmas.js";
import { GenerationReads } from "../generation-reads.js";
import { afterWrites, gatedRunner, readGeneration, TransactionGate, transactionRunner, type SqliteRunner } from "./runner.js";
import { sqliteRbacRepository } from "./rbac-repository.js";
import { sqliteSecurityDomainRecoveryRepository } from "./security-domain-recovery-repository.js";

export const STORE_FILE_NAME = "keyhold.db";

/** Opens (creating and migrating when needed) `<dataDir>/keyhold.db`. */
export async function openStore(options: { dataDir: string }): Promise<Store> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return openSqliteStore(new Database(join(options.dataDir, STORE_FILE_NAME)));
}

/** A private in-memory store for tests; nothing survives close. */
export async function openMemoryStore(): Promise<Store> {
  return openSqliteStore(new Database(":memory:"));
}

function openSqliteStore(db: Database.Database): Store {
  const statements = new StatementCache(db);
  applySqlitePragmas(db);
  applyMigrations(db, MIGRATIONS);
  const gate = new TransactionGate();
  const generation = new GenerationReads(async () => {
    await gate.waitUntilClosed();
    return readGeneration(statements);
  });
  const outer = repositories(afterWrites(gatedRunner(db, statements, gate), () => generation.forget()));
  const inner = repositories(transactionRunner(db, statements));
  let closed = false;
  return {
    ...outer,
    transaction: (fn) =>
      gate.exclusive(async () => {
        try {
          statements.prepare("BEGIN IMMEDIATE").run();
          const changesBefore = totalChanges(statements);
          const result = await fn(inner);
          recordPendingChange(statements, changesBefore, Date.now());
          statements.prepare("COMMIT").run();
          return result;
        } catch (error) {
          if (db.inTransaction) {
            try {
              statements.prepare("ROLLBACK").run();
            } catch {
              // SQLite has already rolled back after some I/O errors; the transaction is over either way.
            }
          }
          throw asStoreError(error);
        } finally {
          generation.forget();
        }
      }),
    generation: () => generation.read(),
    onGenerationHint: () => () => undefined,
    close: async () => {
      if (closed) return;
      closed = true;
      await gate.waitUntilClosed();
      db.close();
    },
  };
}

function repositories(runner: SqliteRunner): StoreRepositories {
  return {
    directory: sqliteDirectoryRepository(runner),
    credentials: sqliteCredentialRepository(runner),
    issuerKeys: sqliteIssuerKeyRepository(runner),
    rbac: sqliteRbacRepository(runner),
    keys: sqliteKeyRepository(runner),
    management: sqliteManagementRepository(runner),
    backupJobs: sqliteBackupJobRepository(runner),
    securityDomainRecovery: sqliteSecurityDomainRecoveryRepository(runner),
    auditOutbox: sqliteAuditOutboxRepository(runner),
    workClaims: sqliteWorkClaimRepository(runner),
    blobs: sqliteBlobRepository(runner),
    diagnosticCursors: sqliteDiagnosticCursorRepository(runner),
    seal: sqliteSealRepository(runner),
  };
}
