/**
 * Local RBAC of each HSM, as the pipeline asks it: built-in roles plus the
 * HSM's custom roles and assignments from the store, behind a decision cache
 * that is dropped whenever the store's generation moves (any change to
 * assignments, definitions, memberships or principals), so the cache never
 * grants what the store no longer grants.
 */
import {
  BUILT_IN_ROLES,
  createDecisionCache,
  type AuthorizationState,
  type DecisionCache,
  type Decision,
  hsmScopeRule,
  type RoleDefinition,
} from "../authz/index.js";
import type { Store } from "../store/index.js";

interface Snapshot {
  readonly generation: number;
  readonly state: AuthorizationState;
}

export class LocalRbac {
  readonly #store: Store;
  readonly #caches = new Map<string, DecisionCache>();
  readonly #snapshots = new Map<string, Snapshot>();

  constructor(store: Store) {
    this.#store = store;
    // Another node's change: drop the snapshots (and the decisions made on them) before the next call asks.
    store.onGenerationHint(() => this.#snapshots.clear());
  }

  /** Built-in and custom role definitions and all assignments of one HSM, as stored now. */
  async state(hsmId: string): Promise<AuthorizationState> {
    const [custom, assignments] = await Promise.all([
      this.#store.rbac.listRoleDefinitions(hsmId),
      this.#store.rbac.listRoleAssignments(hsmId),
    ]);
    return { definitions: [...BUILT_IN_ROLES, ...(custom as RoleDefinition[])], assignments };
  }

  async decide(hsmId: string, principalIds: readonly string[], action: string, target: string): Promise<Decision> {
    // The generation is read before the state, so a snapshot is never filed under a newer generation.
    const generation = await this.#store.generation();
    let snapshot = this.#snapshots.get(hsmId);
    if (snapshot === undefined || snapshot.generation !== generation) {
      snapshot = { generation, state: await this.state(hsmId) };
      this.#snapshots.set(hsmId, snapshot);
    }
    let cache = this.#caches.get(hsmId);
    if (cache === undefined) {
      cache = createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: 10_000 });
      this.#caches.set(hsmId, cache);
    }
    const state = snapshot.state;
    return cache.decide({ principalIds, action, target }, snapshot.generation, () => state);
  }
}
