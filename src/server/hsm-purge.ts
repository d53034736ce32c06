/**
 * Purges soft-deleted HSMs whose retention has passed, once however many nodes share the store (SPEC section 14):
 * each tick, only the node holding the store's "hsm-purge" claim purges; when it stops renewing the claim another
 * node takes it over. Each purge is audited in the management journal under the node's own identity.
 */
import type { Logger } from "pino";
import { AUDIT_OPERATION_VERSION } from "../audit/index.js";
import type { NodeSeal } from "../hsm/keys/index.js";
import type { StoreHsmRegistry } from "../management/index.js";
import { LongRunningOperations } from "../management/long-running.js";
import { ManagedHsmService } from "../management/managed-hsm/managed-hsm-service.js";
import { managedHsmId } from "../arm/arm-ids.js";
import { MANAGEMENT_JOURNAL, type AuditSink } from "../pipeline/audit-sink.js";
import type { Store } from "../store/index.js";

const HSM_PURGE_CLAIM = "hsm-purge";

export interface HsmPurgeOptions {
  readonly store: Store;
  readonly seal: NodeSeal;
  readonly registry: StoreHsmRegistry;
  readonly audit: AuditSink;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly intervalMs: number;
  readonly leaseMs: number;
}

/** Starts ticking; the returned function stops it and gives the claim up. */
export function startHsmPurge(options: HsmPurgeOptions): () => Promise<void> {
  const service = new ManagedHsmService({
    store: options.store,
    seal: options.seal,
    registry: options.registry,
    operations: new LongRunningOperations(options.store, Date.now),
    now: Date.now,
  });
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (!(await options.store.workClaims.claim(HSM_PURGE_CLAIM, options.nodeId, options.leaseMs))) return;
    for (const record of await service.purgeExpired()) {
      await options.audit.record(MANAGEMENT_JOURNAL, {
        time: new Date(),
        resourceId: managedHsmId(record),
        operationName: "DeletedManagedHsmPurge",
        operationVersion: AUDIT_OPERATION_VERSION,
        resultType: "Success",
        resultSignature: "OK",
        resultDescription: "automatic purge at the end of the retention",
        durationMs: 0,
        callerIpAddress: "",
        correlationId: "",
        identity: { appid: `keyhold-node:${options.nodeId}` },
        properties: { hsmName: record.name },
      });
    }
  };
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = tick()
      .catch((error: unknown) => options.logger.error({ err: error }, "purge of expired deleted HSMs failed"))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await options.store.workClaims.release(HSM_PURGE_CLAIM, options.nodeId).catch(() => undefined);
  };
}
