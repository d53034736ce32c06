/**
 * The key domain as the node runs it: the node's seal, each HSM's security
 * domain, the key service and its operations, and the maintenance scheduler
 * (rotation policies, purge of expired deleted keys), whose actions are
 * audited under the node's own identity.
 */
import type { Logger } from "pino";
import { AUDIT_OPERATION_VERSION } from "../audit/index.js";
import type { KeyholdConfig } from "../config/index.js";
import type { AuditSink } from "../pipeline/audit-sink.js";
import type { HsmRegistry, HsmRuntime } from "../pipeline/hsm-registry.js";
import {
  createKeyDomain,
  createKeyLoader,
  ensureHsmDomain,
  HsmDomains,
  openStoreSeal,
  RotationScheduler,
  type KeyDomain,
  type MaintenanceOutcome,
  type NodeSeal,
} from "../hsm/keys/index.js";
import type { JsonWebKey } from "../crypto/index.js";
import type { Store } from "../store/index.js";
import type { CryptoPool } from "../workers/pool.js";

export interface KeyDomainHandle {
  readonly keys: KeyDomain;
  readonly seal: NodeSeal;
  readonly domains: HsmDomains;
  stop(): Promise<void>;
}

/** The store's claim on key maintenance: one node at a time runs it (SPEC section 14). */
const MAINTENANCE_CLAIM = "key-maintenance";

export interface KeyDomainOptions {
  readonly config: KeyholdConfig;
  readonly store: Store;
  readonly hsmList: readonly HsmRuntime[];
  readonly hsms: HsmRegistry;
  readonly audit: AuditSink;
  readonly logger: Logger;
}

/** Opens the seal and every HSM's domain; the pool is attached afterwards (its key loader needs the domains). */
export async function openKeyDomain(
  options: KeyDomainOptions,
): Promise<{ loader: (keyRef: string) => Promise<JsonWebKey>; attach(pool: CryptoPool): KeyDomainHandle }> {
  // Refuses to start (before anything sealed is read or written) when the seal does not open the store.
  const seal = await openStoreSeal({ seals: options.store.seal, dataDir: options.config.dataDir, keyFile: options.config.seal.keyFile });
  for (const hsm of options.hsmList) await ensureHsmDomain(options.store, seal, hsm.id);
  const domains = new HsmDomains(options.store, seal);
  const loader = createKeyLoader(options.store, domains);
  return {
    loader,
    attach(pool) {
      const keys = createKeyDomain({ store: options.store, domains, pool });
      const { nodeId } = options.config.audit;
      const { intervalMs, leaseMs } = options.config.maintenance;
      const scheduler = new RotationScheduler({
        claim: () => options.store.workClaims.claim(MAINTENANCE_CLAIM, nodeId, leaseMs),
        service: keys.service,
        store: options.store,
        hsms: options.hsms,
        onOutcome: (outcome) => recordMaintenance(options, outcome),
        onError: (error) => options.logger.error({ err: error }, "key maintenance tick failed"),
      });
      scheduler.start(intervalMs);
      return {
        keys,
        seal,
        domains,
        stop: async () => {
          await scheduler.stop();
          // Another node takes maintenance over at its next tick instead of after the lease.
          await options.store.workClaims.release(MAINTENANCE_CLAIM, nodeId).catch(() => undefined);
        },
      };
    },
  };
}

const OPERATION_OF: Record<MaintenanceOutcome["action"], string> = { Rotate: "KeyRotate", Notify: "KeyNearExpiry", Purge: "KeyPurge" };

/** Maintenance is a call too: one audit record each, by the node itself. */
async function recordMaintenance(options: KeyDomainOptions, outcome: MaintenanceOutcome): Promise<void> {
  // Configured and management-created HSMs alike.
  const hsm = (await options.hsms.list()).find((h) => h.id === outcome.hsmId);
  if (hsm === undefined) return;
  await options.audit
    .record(hsm.name, {
      time: new Date(),
      resourceId: hsm.resourceId,
      operationName: OPERATION_OF[outcome.action],
      operationVersion: AUDIT_OPERATION_VERSION,
      resultType: outcome.error === undefined ? "Success" : "Failure",
      resultSignature: outcome.error === undefined ? "OK" : "INTERNAL",
      resultDescription: outcome.error === undefined ? "automatic key maintenance" : "automatic key maintenance failed",
      durationMs: 0,
      callerIpAddress: "",
      correlationId: "",
      identity: { appid: `keyhold-node:${options.config.audit.nodeId}` },
      properties: { keyName: outcome.keyName, ...(outcome.keyVersion === undefined ? {} : { keyVersion: outcome.keyVersion }) },
    })
    .catch((error: unknown) => options.logger.error({ err: error, keyName: outcome.keyName }, "could not audit key maintenance"));
}
