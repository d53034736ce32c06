/**
 * The development HSM `dev`, created the way `keyhold hsm create` creates one: a managed HSM body decoded by the
 * management plane's own decoder and handed to its ManagedHsmService, with `admin` as the caller and the initial
 * administrator (the service makes that Managed HSM Administrator at "/"). The HSM starts NotActivated;
 * dev-security-domain.ts activates it. `admin` also gets Crypto User and Crypto Officer so the banner's examples work.
 */
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../authz/index.js";
import { KeyholdError } from "../errors.js";
import type { NodeSeal } from "../hsm/keys/index.js";
import type { Caller } from "../identity/index.js";
import { decodeHsmCreate } from "../management/managed-hsm/hsm-input.js";
import { ManagedHsmService, type HsmTarget } from "../management/managed-hsm/managed-hsm-service.js";
import type { StoreHsmRegistry } from "../management/index.js";
import { LongRunningOperations } from "../management/long-running.js";
import type { ManagedHsmRecord, Store } from "../store/index.js";
import type { PrincipalRecord, TenantRecord } from "../store/records.js";
import type { DevScope } from "./dev-scope.js";
import { ensureAssignments } from "../hsm/initial-admins.js";

export const DEV_HSM = "dev";
/** The shortest retention Managed HSM allows: a dev HSM deleted by mistake is still recoverable for a week. */
const DEV_RETENTION_DAYS = 7;

export interface DevHsmDeps {
  readonly store: Store;
  readonly seal: NodeSeal;
  readonly registry: StoreHsmRegistry;
  readonly tenant: TenantRecord;
  readonly admin: PrincipalRecord;
  readonly scope: DevScope;
  readonly now?: () => number;
}

function callerOf(admin: PrincipalRecord, tenant: TenantRecord): Caller {
  return {
    oid: admin.id,
    tid: tenant.id,
    kind: "user",
    displayName: admin.displayName,
    ...(admin.userPrincipalName === null ? {} : { upn: admin.userPrincipalName }),
    groupIds: [],
  };
}

function createBody(deps: DevHsmDeps, createMode: "default" | "recover"): Record<string, unknown> {
  return {
    body: {
      location: deps.scope.location,
      sku: { family: "B", name: "Standard_B1" },
      tags: { purpose: "development" },
      properties: {
        createMode,
        tenantId: deps.tenant.id,
        initialAdminObjectIds: [deps.admin.id],
        softDeleteRetentionInDays: DEV_RETENTION_DAYS,
        enablePurgeProtection: false,
      },
    },
  };
}

/**
 * The HSM `dev` in the `dev` resource group: created on first start, recovered if it was soft-deleted, reused
 * otherwise. Returns its record, which may still be NotActivated.
 */
export async function ensureDevHsm(deps: DevHsmDeps): Promise<{ readonly record: ManagedHsmRecord; readonly created: boolean }> {
  const now = deps.now ?? Date.now;
  const service = new ManagedHsmService({
    store: deps.store,
    seal: deps.seal,
    registry: deps.registry,
    operations: new LongRunningOperations(deps.store, now),
    now,
  });
  const target: HsmTarget = { subscriptionId: deps.scope.subscriptionId, resourceGroup: deps.scope.resourceGroup, name: DEV_HSM };
  const existing = await deps.store.management.findManagedHsmByName(DEV_HSM);
  if (existing === undefined || existing.deletedAt !== undefined) {
    const mode = existing === undefined ? "default" : "recover";
    await service.createOrUpdate(target, decodeHsmCreate(createBody(deps, mode)), callerOf(deps.admin, deps.tenant));
  }
  // The service records a failed provisioning in its long-running operation instead of throwing: read the outcome.
  const record = await service.get(target);
  if (record.provisioningState !== "Succeeded") {
    throw new KeyholdError(
      "Unavailable",
      `The development HSM '${DEV_HSM}' is ${record.provisioningState}, not Succeeded; delete and purge it (keyhold hsm delete/purge) or start with a new data dir.`,
    );
  }
  await ensureAssignments(deps.store, record.hsmId, [deps.admin.id], MANAGED_HSM_CRYPTO_USER.id);
  await ensureAssignments(deps.store, record.hsmId, [deps.admin.id], MANAGED_HSM_CRYPTO_OFFICER.id);
  return { record, created: existing === undefined };
}
