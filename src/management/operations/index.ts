/** Every management-plane operation (SPEC section 7). */
import type { NodeSeal } from "../../hsm/keys/index.js";
import type { AnyOperation } from "../../pipeline/operation.js";
import type { Store } from "../../store/index.js";
import { ManagedHsmService } from "../managed-hsm/managed-hsm-service.js";
import { LongRunningOperations } from "../long-running.js";
import { DiagnosticSettingService } from "../diagnostic-settings/diagnostic-setting-service.js";
import type { ManagementRbac } from "../rbac/index.js";
import { StorageAccountService } from "../storage-account/storage-account-service.js";
import type { BlobStorage } from "../storage/index.js";
import type { StoreHsmRegistry } from "../store-hsm-registry.js";
import { blobOperations } from "./blobs.js";
import { diagnosticSettingOperations } from "./diagnostic-settings.js";
import { managedHsmOperations } from "./managed-hsms.js";
import { roleAssignmentOperations } from "./role-assignments.js";
import { scopeTreeOperations } from "./scope-tree.js";
import { storageAccountOperations } from "./storage-accounts.js";

export interface ManagementDeps {
  readonly store: Store;
  readonly rbac: ManagementRbac;
  /** Seals each new HSM's domain secret (the node seal). */
  readonly seal: NodeSeal;
  readonly hsms: StoreHsmRegistry;
  /** Storage accounts' directories (`<dataDir>/storage`). */
  readonly blobs: BlobStorage;
  /** Milliseconds since the epoch; tests move it to pass a retention period. */
  readonly now?: () => number;
}

export function managementOperations(deps: ManagementDeps): readonly AnyOperation[] {
  const now = deps.now ?? Date.now;
  const operations = new LongRunningOperations(deps.store, now);
  const service = new ManagedHsmService({ store: deps.store, seal: deps.seal, registry: deps.hsms, operations, now });
  const accounts = new StorageAccountService({ store: deps.store, blobs: deps.blobs, now });
  const settings = new DiagnosticSettingService({ store: deps.store, now });
  return [
    ...scopeTreeOperations({ store: deps.store, now }),
    ...managedHsmOperations(service, operations),
    ...roleAssignmentOperations({ store: deps.store, rbac: deps.rbac, now }),
    ...storageAccountOperations(accounts),
    ...blobOperations(accounts, deps.blobs),
    ...diagnosticSettingOperations(service, settings),
  ];
}
