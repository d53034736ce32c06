/**
 * Management-plane RBAC (SPEC section 7): the same evaluator as local RBAC, with ARM scope rules whose management
 * group ancestry comes from the store, over the management role assignments only. Local (HSM) assignments are never
 * read here, and these assignments are never read by local RBAC: the planes stay isolated (SPEC section 1).
 *
 * Decisions are cached per store generation, which moves with every change to management groups, subscriptions and
 * assignments, so a cached "allowed" never outlives the grant or the tree position it came from.
 */
import {
  armScopeRule,
  createDecisionCache,
  type ArmHierarchyNode,
  type AuthorizationState,
  type DecisionCache,
  type Plane,
  type RoleAssignment,
  type ScopeRule,
} from "../../authz/index.js";
import type { ManagementAuthorizer } from "../../pipeline/dispatch.js";
import type { Store } from "../../store/index.js";
import { authorizationResourceId } from "../../arm/arm-ids.js";
import { MANAGEMENT_BUILT_IN_ROLES } from "./built-in-roles.js";

/** Blob contents are data: Storage roles grant them through dataActions, as Azure RBAC does. */
const BLOB_DATA_ACTION = /^microsoft\.storage\/storageaccounts\/blobservices\/containers\/blobs\//i;

interface Snapshot {
  readonly generation: number;
  readonly state: AuthorizationState;
  /** Lower-cased group id -> lower-cased parent id. */
  readonly groupParents: ReadonlyMap<string, string>;
  /** Lower-cased subscription id -> lower-cased management group id. */
  readonly subscriptionGroups: ReadonlyMap<string, string>;
}

export interface ManagementDecision {
  readonly allowed: boolean;
  readonly decidingAssignments: readonly RoleAssignment[];
}

const EMPTY: Snapshot = {
  generation: -1,
  state: { definitions: [], assignments: [] },
  groupParents: new Map(),
  subscriptionGroups: new Map(),
};

function managementPlaneOf(action: string): Plane {
  return BLOB_DATA_ACTION.test(action) ? "data" : "management";
}

export class ManagementRbac implements ManagementAuthorizer {
  readonly #store: Store;
  #snapshot: Snapshot = EMPTY;
  /** Rules and caches read `#snapshot`, which is always the snapshot of the generation passed to the cache. */
  readonly rule: ScopeRule = armScopeRule((node) => this.#ancestry(node));
  readonly #caches: Record<Plane, DecisionCache> = {
    management: createDecisionCache({ rule: this.rule, plane: "management", maxEntries: 10_000 }),
    data: createDecisionCache({ rule: this.rule, plane: "data", maxEntries: 10_000 }),
  };

  constructor(store: Store) {
    this.#store = store;
    // Another node's change: drop the snapshot before the next call asks (its decisions go with its generation).
    store.onGenerationHint(() => (this.#snapshot = EMPTY));
  }

  async decide(principalIds: readonly string[], action: string, scope: string): Promise<ManagementDecision> {
    const snapshot = await this.#current();
    return this.#caches[managementPlaneOf(action)].decide(
      { principalIds, action, target: scope },
      snapshot.generation,
      () => snapshot.state,
    );
  }

  /** Whether an assignment at `outer` covers `inner`, with the tree as stored now. */
  async contains(outer: string, inner: string): Promise<boolean> {
    await this.#current();
    return this.rule.contains(outer, inner);
  }

  /** The snapshot of the store's current generation, loaded when the generation moved. */
  async #current(): Promise<Snapshot> {
    // Generation before state: state newer than its generation is harmless, older would be served too long.
    const generation = await this.#store.generation();
    if (this.#snapshot.generation !== generation) this.#snapshot = await this.#load(generation);
    return this.#snapshot;
  }

  async #load(generation: number): Promise<Snapshot> {
    const [groups, subscriptions, assignments] = await Promise.all([
      this.#store.management.listManagementGroups(),
      this.#store.management.listSubscriptions(),
      this.#store.management.listRoleAssignments(),
    ]);
    const groupParents = new Map<string, string>();
    for (const group of groups) if (group.parentId !== undefined) groupParents.set(group.id.toLowerCase(), group.parentId.toLowerCase());
    const subscriptionGroups = new Map<string, string>();
    for (const s of subscriptions)
      if (s.managementGroupId !== undefined) subscriptionGroups.set(s.id.toLowerCase(), s.managementGroupId.toLowerCase());
    return {
      generation,
      groupParents,
      subscriptionGroups,
      state: {
        definitions: MANAGEMENT_BUILT_IN_ROLES,
        assignments: assignments.map((a) => ({
          id: authorizationResourceId(a.scope, "roleAssignments", a.name),
          name: a.name,
          scope: a.scope,
          roleDefinitionId: a.roleDefinitionId,
          principalId: a.principalId,
        })),
      },
    };
  }

  /** Management groups above a node, nearest first; a cycle (refused on write) would stop at its first repeat. */
  #ancestry(node: ArmHierarchyNode): readonly string[] {
    const { groupParents, subscriptionGroups } = this.#snapshot;
    const ancestors: string[] = [];
    let next = node.kind === "subscription" ? subscriptionGroups.get(node.id) : groupParents.get(node.id);
    while (next !== undefined && !ancestors.includes(next)) {
      ancestors.push(next);
      next = groupParents.get(next);
    }
    return ancestors;
  }
}
