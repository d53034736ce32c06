/**
 * Local RBAC decision latency: the evaluator alone (a cold decision), the
 * cached evaluator on a repeated query (warm), and the pipeline's LocalRbac
 * path with the store's generation read, on 500 assignments.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import {
  BUILT_IN_ROLES,
  createDecisionCache,
  decide,
  hsmScopeRule,
  MANAGED_HSM_CRYPTO_USER,
  type AuthorizationState,
  type RoleAssignment,
} from "../src/authz/index.js";
import { LocalRbac } from "../src/hsm/local-rbac.js";
import { openMemoryStore } from "../src/store/index.js";
import { runGroup } from "./harness.js";

export async function runAuthzBench(): Promise<void> {
  const hsmId = randomUUID();
  const caller = randomUUID();
  const assignments: RoleAssignment[] = Array.from({ length: 500 }, (_, i) => {
    const name = randomUUID();
    return {
      id: `/keys/key-${i}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope: `/keys/key-${i}`,
      roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id,
      principalId: i === 499 ? caller : randomUUID(),
    };
  });
  const state: AuthorizationState = { definitions: BUILT_IN_ROLES, assignments };
  const query = {
    principalIds: [caller, randomUUID(), randomUUID()],
    action: "Microsoft.KeyVault/managedHsm/keys/sign/action",
    target: "/keys/key-499",
  };
  const options = { rule: hsmScopeRule, plane: "data" as const };
  const cache = createDecisionCache({ ...options, maxEntries: 10_000 });
  let generation = 0;

  const store = await openMemoryStore();
  for (const assignment of assignments) await store.rbac.insertRoleAssignment(hsmId, assignment);
  const rbac = new LocalRbac(store);

  await runGroup(
    "Local RBAC decision, 500 assignments",
    [
      { name: "cold: evaluator, no cache", fn: () => decide(query, state, options) },
      { name: "cold: cache miss (new generation)", fn: () => cache.decide(query, ++generation, () => state) },
      { name: "warm: cache hit", fn: () => cache.decide(query, 0, () => state) },
      { name: "warm: LocalRbac (store generation + cache)", fn: () => rbac.decide(hsmId, query.principalIds, query.action, query.target) },
    ],
    "cold: evaluator, no cache",
  );
  await store.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runAuthzBench();
