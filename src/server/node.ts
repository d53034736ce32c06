/**
 * One keyhold node: the store, identity, HSMs from configuration, audit
 * journals, local RBAC, the crypto worker pool, the operations table and the
 * pipeline, behind three listeners (gRPC data plane, HTTPS, metrics).
 */
import { mkdirSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { setDefaultProvider } from "../crypto/index.js";
import { formatListenAddress, type KeyholdConfig } from "../config/index.js";
import type { Registry } from "prom-client";
import { AuditSink } from "../pipeline/audit-sink.js";
import { Pipeline } from "../pipeline/dispatch.js";
import type { HsmRuntime } from "../pipeline/hsm-registry.js";
import type { HsmDomains, NodeSeal } from "../hsm/keys/index.js";
import {
  BlobStore,
  type BlobStorage,
  DiagnosticForwarder,
  fileDelivery,
  MANAGEMENT_ROUTES,
  ManagementRbac,
  StoreBlobStore,
  StoreHsmRegistry,
  storeDelivery,
  storedDiagnosticSettings,
} from "../management/index.js";
import { LocalRbac } from "../hsm/local-rbac.js";
import { createTokenVerifier, Directory, issuerSettings, ServicePrincipalCredentials, TokenIssuer } from "../identity/index.js";
import type { TenantRecord } from "../store/records.js";
import { createServerMetrics } from "../metrics/metrics.js";
import { startMetricsServer, type MetricsServer } from "../metrics/metrics-server.js";
import { openPostgresStore, openStore, type Store } from "../store/index.js";
import { ensureDevTls, loadTls, type ServerTls } from "../tls/index.js";
import { buildHttpsApp } from "../transport/http/app.js";
import { keyVaultRoutes } from "../keyvault/routes.js";
import { keyVaultAdminRoutes } from "../keyvault/admin-routes.js";
import { GRAPH_ROUTES } from "../transport/http/operation-routes.js";
import { buildGrpcServer, listen, shutdown } from "../transport/grpc/server.js";
import { CryptoPool } from "../workers/pool.js";
import { resolveProviders } from "../workers/provider-choice.js";
import { ensureAssignments } from "../hsm/initial-admins.js";
import { hsmRuntime, resolveInitialAdmins } from "./hsm-bootstrap.js";
import { settleHttpsPort } from "./settle-ports.js";
import { EventLoopWatchdog } from "./event-loop-watchdog.js";
import { ServingState } from "../serving-state.js";
import { loadOrCreateNodeSigningKey } from "./node-key.js";
import { openKeyDomain } from "./key-domain.js";
import { buildOperations } from "./operations.js";
import { BackupJobs } from "../hsm/backup/index.js";
import { startHsmPurge } from "./hsm-purge.js";

export interface RunningNode {
  readonly config: KeyholdConfig;
  readonly store: Store;
  readonly directory: Directory;
  readonly tenant: TenantRecord;
  readonly issuer: TokenIssuer;
  readonly hsms: StoreHsmRegistry;
  /** The node seal and the HSM domains it opens (dev mode seals its development security domain with them). */
  readonly seal: NodeSeal;
  readonly domains: HsmDomains;
  readonly tls: ServerTls | undefined;
  readonly addresses: { readonly grpc: string; readonly https: string; readonly metrics: string };
  readonly logger: Logger;
  /** This node's own metrics (what its metrics listener serves, or what it reports to the primary of several nodes). */
  readonly metrics: Registry;
  /** Why the node reports NOT_SERVING, if it does. */
  readonly serving: ServingState;
  /** Drains in-flight calls, flushes the journals and closes the store. */
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly logger?: Logger;
  /** Runs after the store and directory exist and before HSMs are set up (dev mode creates its tenant and admin here). */
  readonly beforeHsms?: (context: { store: Store; directory: Directory; tenant: TenantRecord }) => Promise<void>;
  /**
   * Set: no metrics listener of its own; one of several nodes reports its registry to the primary, which serves the
   * metrics port at `servedBy` (then `addresses.metrics`).
   */
  readonly metricsListener?: { readonly servedBy: string };
}

async function openTenant(directory: Directory, name: string): Promise<TenantRecord> {
  return (await directory.findTenant(name)) ?? directory.createTenant({ name });
}

function serverTls(config: KeyholdConfig): ServerTls | undefined {
  if (config.insecureLoopback) return undefined;
  if (config.tls !== undefined) return loadTls(config.tls);
  // `*.{dnsSuffix}`: the Azure SDKs check the certificate against the HSM's host name (SPEC section 13).
  return ensureDevTls({
    dataDir: config.dataDir,
    hosts: [config.grpc.listen.host, config.https.listen.host, `*.${config.keyVault.dnsSuffix}`],
  });
}

export async function startNode(requested: KeyholdConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const config = await settleHttpsPort(requested);
  const logger = options.logger ?? pino({ level: process.env["KEYHOLD_LOG_LEVEL"] ?? "info" }, pino.destination(2));
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // The audit journals stay files in dataDir either way (each node has its own chains); storage-account blobs live in
  // the store when it is shared (PostgreSQL), so that nodes on several machines need no shared file system.
  const store =
    config.store.postgres === undefined ? await openStore({ dataDir: config.dataDir }) : await openPostgresStore(config.store.postgres);
  const stack: (() => Promise<void>)[] = [() => store.close()];
  const unwind = async (): Promise<void> => {
    for (const close of stack.reverse()) await close().catch((error: unknown) => logger.error({ err: error }, "shutdown step failed"));
  };
  try {
    const serving = new ServingState();
    const directory = new Directory(store);
    const credentials = new ServicePrincipalCredentials(directory);
    const tenant = await openTenant(directory, config.tenant.name);
    await options.beforeHsms?.({ store, directory, tenant });

    const settings = issuerSettings({
      baseUrl: config.identity.issuerBaseUrl,
      audiences: config.identity.audiences,
      defaultTtlSeconds: config.identity.tokenTtlSeconds,
    });
    const issuer = await TokenIssuer.open(store, settings);
    const verifyToken = createTokenVerifier({ directory, settings, trustedIssuers: config.identity.trustedIssuers });

    const hsmUriHost = (name: string): string => `${name}.${config.keyVault.dnsSuffix}`;
    const hsmList: HsmRuntime[] = [];
    for (const [index, hsmConfig] of config.hsms.entries()) {
      const hsm = hsmRuntime(hsmConfig, tenant.id, hsmUriHost(hsmConfig.name));
      await ensureAssignments(store, hsm.id, await resolveInitialAdmins(directory, tenant.id, hsmConfig, index));
      hsmList.push(hsm);
    }
    // The ARM `hsmUri` is the URL the Key Vault door answers on, with the HTTPS port when it is not 443, so that an SDK
    // given it reaches this node (SPEC section 13). Key ids keep the bare host name: they must not change with the port.
    const vaultPort = config.https.listen.port === 443 ? "" : `:${config.https.listen.port}`;
    const vaultUrl = (name: string): string => `https://${hsmUriHost(name)}${vaultPort}/`;
    const hsms = new StoreHsmRegistry({ store, configured: hsmList, hsmUriHost, vaultUrl });
    const management = new ManagementRbac(store);

    const audit = new AuditSink({
      dataDir: config.dataDir,
      nodeId: config.audit.nodeId,
      signingKey: loadOrCreateNodeSigningKey(config.dataDir),
      journal: { checkpointEveryRecords: config.audit.checkpointEveryRecords, checkpointIntervalMs: config.audit.checkpointIntervalMs },
      outbox: store.auditOutbox,
      serving,
      logger,
    });
    stack.push(() => audit.close());
    await audit.drainOutbox();
    // Forwarded logs: with blobs in the store, each batch and its cursor commit together (exactly once); with blob
    // files, the cursor moves after the synced append (a crash in between repeats at most that batch).
    const sharedBlobs = config.store.postgres !== undefined;
    const blobs: BlobStorage = sharedBlobs ? new StoreBlobStore(store.blobs) : new BlobStore(config.dataDir);
    const forwarder = new DiagnosticForwarder({
      nodeId: config.audit.nodeId,
      store,
      settings: () => storedDiagnosticSettings(store),
      journals: audit,
      delivery: sharedBlobs ? storeDelivery(store) : fileDelivery(blobs, store.diagnosticCursors),
      leaseMs: config.maintenance.leaseMs,
      logger,
    });
    stack.push(() => forwarder.close());

    const providers = await resolveProviders(config.providers, config.dataDir);
    setDefaultProvider("rsa", providers.rsa);
    setDefaultProvider("ec", providers.ec);
    const keyDomain = await openKeyDomain({ config, store, hsmList, hsms, audit, logger });
    const pool = await CryptoPool.start({
      threads: config.workers.threads,
      maxQueue: config.workers.maxQueue,
      cacheBytes: config.workers.cacheBytes,
      providers,
      loadKey: keyDomain.loader,
    });
    stack.push(() => pool.close());
    const keys = keyDomain.attach(pool);
    stack.push(() => keys.stop());

    const rbac = new LocalRbac(store);
    const backupJobs = new BackupJobs({
      store,
      storage: blobs,
      domains: keys.domains,
      restoring: hsms,
      evictions: keys.keys.openedKeys,
      holder: config.audit.nodeId,
      leaseMs: config.maintenance.leaseMs,
      onError: (error, job) => logger.error({ err: error, jobId: job.id }, "backup or restore job failed"),
    });
    // Jobs this node ran before it restarted, or whose node's lease ran out, are Failed now, and HSMs they left
    // Restoring are served again; every node looks again on each maintenance tick (a node that dies while others run).
    await backupJobs.recoverInterrupted();
    const abandonedJobs = setInterval(() => {
      backupJobs.failAbandoned().catch((error: unknown) => logger.error({ err: error }, "could not fail abandoned backup jobs"));
    }, config.maintenance.intervalMs);
    abandonedJobs.unref();
    stack.push(async () => clearInterval(abandonedJobs));
    stack.push(() => backupJobs.idle());
    stack.push(
      startHsmPurge({
        store,
        seal: keys.seal,
        registry: hsms,
        audit,
        logger,
        nodeId: config.audit.nodeId,
        intervalMs: config.maintenance.intervalMs,
        leaseMs: config.maintenance.leaseMs,
      }),
    );
    const onError = (error: unknown): void => logger.error({ err: error }, "security domain upload failed");
    const operations = buildOperations({
      store,
      rbac,
      directory,
      credentials,
      keys: keys.keys,
      seal: keys.seal,
      domains: keys.domains,
      hsms,
      management,
      blobs,
      backupJobs,
      onError,
    });
    const pipeline = new Pipeline({ hsms, verifyToken, directory, rbac, audit, management, logger });
    const metrics = createServerMetrics({ poolQueueDepth: () => pool.queueSize });
    const tls = serverTls(config);

    const https = await buildHttpsApp({
      ...(tls === undefined ? {} : { https: { key: tls.keyPem, cert: tls.certPem } }),
      pipeline,
      operations,
      routes: [
        ...GRAPH_ROUTES,
        ...MANAGEMENT_ROUTES,
        ...keyVaultRoutes({ dnsSuffix: config.keyVault.dnsSuffix }),
        ...keyVaultAdminRoutes({ dnsSuffix: config.keyVault.dnsSuffix }),
      ],
      identity: { directory, credentials, issuer },
      serving,
      challenge: (operation) => ({ authority: `${settings.baseUrl}/${tenant.id}`, resource: settings.audiences[operation.plane] }),
    });
    const app: FastifyInstance = https.app;
    await app.listen({ host: config.https.listen.host, port: config.https.listen.port });
    stack.push(() => app.close());
    const httpsPort = (app.server.address() as { port: number }).port;

    const grpcServer = buildGrpcServer({ pipeline, operations, metrics: metrics.rpc, serving });
    const credentialsForGrpc =
      tls === undefined
        ? ServerCredentials.createInsecure()
        : ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }], false);
    const grpcPort = await listen(grpcServer, formatListenAddress(config.grpc.listen), credentialsForGrpc);
    stack.push(() => shutdown(grpcServer, 10_000));

    let metricsAddress: string;
    if (options.metricsListener === undefined) {
      const metricsServer: MetricsServer = await startMetricsServer({
        host: config.metrics.listen.host,
        port: config.metrics.listen.port,
        registry: metrics.registry,
      });
      stack.push(() => metricsServer.close());
      metricsAddress = formatListenAddress(metricsServer.address);
    } else metricsAddress = options.metricsListener.servedBy;

    // Watches from here on: start-up does seconds of synchronous work (TLS keys, the pool's self-tests) that is
    // not a stall of a serving node, and it is the first thing stopped on shutdown, whose draining may block too.
    if (config.health.eventLoopStallMs > 0) {
      // Checks every second (or faster for a shorter threshold), the main thread beating twice as often.
      const checkMs = Math.min(1000, config.health.eventLoopStallMs / 2);
      const watchdog = new EventLoopWatchdog({
        serving,
        logger,
        stallMs: config.health.eventLoopStallMs,
        checkMs,
        heartbeatMs: checkMs / 2,
      });
      stack.push(() => watchdog.stop());
    }

    const address = (host: string, port: number): string => formatListenAddress({ host, port });
    return {
      config,
      store,
      directory,
      tenant,
      issuer,
      hsms,
      seal: keys.seal,
      domains: keys.domains,
      tls,
      logger,
      serving,
      addresses: {
        grpc: address(config.grpc.listen.host, grpcPort),
        https: address(config.https.listen.host, httpsPort),
        metrics: metricsAddress,
      },
      metrics: metrics.registry,
      stop: unwind,
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
