import { postgresDiagnosticCursorRepository } from "./diagnostic-cursor-repository.js";
import { postgresWorkClaimRepository } from "./work-claim-repository.js";
import { postgresBlobRepository } from "./blob-repository.js";
import { postgresSealRepository } from "./seal-repository.js";
import pg from "pg";
import type { Store, StoreRepositories } from "../store.js";
import { GenerationReads } from "../generation-reads.js";
import { postgresAuditOutboxRepository } from "./audit-outbox-repository.js";
import { postgresBackupJobRepository } from "./backup-job-repository.js";
import { ChangeListener } from "./change-listener.js";
import { asStoreError } from "./constraint-errors.js";
import { postgresCredentialRepository } from "./credential-repository.js";
import { postgresDirectoryRepository } from "./directory-repository.js";
import { postgresIssuerKeyRepository } from "./issuer-key-repository.js";
import { postgresKeyRepository } from "./key-repository.js";
import { postgresManagementRepository } from "./management-repository.js";
import { applyMigrations } from "./migrate.js";
import { PG_MIGRATIONS } from "./migrations.js";
import { postgresRbacRepository } from "./rbac-repository.js";
import { afterWrites, inTransaction, poolRunner, readGeneration, transactionRunner, type PgRunner } from "./runner.js";
import { postgresSecurityDomainRecoveryRepository } from "./security-domain-recovery-repository.js";
import { PgSession } from "./statements.js";

export interface PostgresStoreOptions {
  /** A libpq connection URL, e.g. postgres://keyhold@db.internal:5432/keyhold. */
  readonly url: string;
  /** The most connections this node holds; `Store.transaction` takes one for its whole length. */
  readonly poolSize: number;
  /** How long a call waits for a connection before failing with Unavailable. */
  readonly connectionTimeoutMillis?: number;
}

const INT8 = 20;
/** BIGINT columns hold milliseconds and counters, all below 2^53: numbers, as the SQLite store returns them. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens a PostgreSQL store (creating and migrating the schema when needed, once, under an advisory lock). Every
 * node sharing the database sees every other's commits: the generation counter lives in the database and is moved
 * by triggers, which also NOTIFY the nodes listening (one extra connection per node, outside `poolSize`).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    types,
  });
  // An idle client whose connection drops (server restart, network) is removed from the pool; without a listener
  // the pool's 'error' event would end the process. The next call gets a fresh connection or Unavailable.
  pool.on("error", () => undefined);
  try {
    await applyMigrations(pool, PG_MIGRATIONS);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw asStoreError(error);
  }
  const generation = new GenerationReads(() => poolRunner(pool).read(readGeneration));
  // A read already under way may have left before the notified commit: the next caller starts a new one.
  const changes = new ChangeListener(options.url);
  changes.subscribe(() => generation.forget());
  const outer = repositories(afterWrites(poolRunner(pool), () => generation.forget()));
  let closed = false;
  return {
    ...outer,
    transaction: async (fn) => {
      try {
        return await inTransaction(pool, (session: PgSession) => fn(repositories(transactionRunner(session))));
      } finally {
        generation.forget();
      }
    },
    generation: () => generation.read(),
    onGenerationHint: (listener) => changes.subscribe(listener),
    close: async () => {
      if (closed) return;
      closed = true;
      await changes.close();
      await pool.end();
    },
  };
}

function repositories(runner: PgRunner): StoreRepositories {
  return {
    directory: postgresDirectoryRepository(runner),
    credentials: postgresCredentialRepository(runner),
    issuerKeys: postgresIssuerKeyRepository(runner),
    rbac: postgresRbacRepository(runner),
    keys: postgresKeyRepository(runner),
    management: postgresManagementRepository(runner),
    backupJobs: postgresBackupJobRepository(runner),
    securityDomainRecovery: postgresSecurityDomainRecoveryRepository(runner),
    auditOutbox: postgresAuditOutboxRepository(runner),
    workClaims: postgresWorkClaimRepository(runner),
    blobs: postgresBlobRepository(runner),
    diagnosticCursors: postgresDiagnosticCursorRepository(runner),
    seal: postgresSealRepository(runner),
  };
}
