/** Every management-plane operation (SPEC section 7) but storage accounts and diagnostic settings, which have their own folders. */
import type { NodeSeal } from "../../hsm/keys/index.js";
import type { Operation } from "../../hsm/operation.js";
import type { Store } from "../../store/index.js";
import { ManagedHsmService } from "../hsm/managed-hsm-service.js";
import { LongRunningOperations } from "../long-running.js";
import type { ManagementRbac } from "../rbac/index.js";
import type { StoreHsmRegistry } from "../store-hsm-registry.js";
import { managedHsmOperations } from "./managed-hsms.js";
import { roleAssignmentOperations } from "./role-assignments.js";
import { scopeTreeOperations } from "./scope-tree.js";

export interface ManagementDeps {
  readonly store: Store;
  readonly rbac: ManagementRbac;
  /** Seals each new HSM's domain secret (the node seal). */
  readonly seal: NodeSeal;
  readonly hsms: StoreHsmRegistry;
  /** Milliseconds since the epoch; tests move it to pass a retention period. */
  readonly now?: () => number;
}

export function managementOperations(deps: ManagementDeps): Operation[] {
  const now = deps.now ?? Date.now;
  const operations = new LongRunningOperations(deps.store, now);
  const service = new ManagedHsmService({ store: deps.store, seal: deps.seal, registry: deps.hsms, operations, now });
  return [
    ...scopeTreeOperations({ store: deps.store, rbac: deps.rbac, now }),
    ...managedHsmOperations(service, operations),
    ...roleAssignmentOperations({ store: deps.store, rbac: deps.rbac, now }),
  ];
}
