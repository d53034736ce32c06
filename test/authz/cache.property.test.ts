/**
 * The cached evaluator against a plain reference evaluator written separately here (fixpoint group closure,
 * regex wildcard matching, its own scope containment), over random directories with nested and cyclic group
 * membership, random custom roles, random assignments, and random changes, each followed by a generation bump.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BUILT_IN_ROLES,
  DATA_ACTIONS,
  createDecisionCache,
  hsmScopeRule,
  type RoleAssignment,
  type RoleDefinition,
} from "../../src/authz/index.js";

const guid = (prefix: string, i: number) => `${prefix}000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const USERS = [0, 1, 2, 3].map((i) => guid("aa", i));
const GROUPS = [0, 1, 2, 3].map((i) => guid("bb", i));
const UNKNOWN_PRINCIPAL = guid("cc", 0);
const CUSTOM_GUIDS = [0, 1, 2, 3, 4].map((i) => guid("dd", i));
const DEFUNCT_ROLE_ID = `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${guid("ee", 0)}`;

const PATTERNS = [
  ...DATA_ACTIONS,
  "*",
  "Microsoft.KeyVault/managedHsm/keys/*",
  "*/action",
  "*/read/*",
  "Microsoft.KeyVault/managedHsm/*/delete*",
  "*SIGN*",
  "microsoft.keyvault/managedhsm/keys/wrap/action",
];
const QUERY_ACTIONS = [...DATA_ACTIONS, "Microsoft.KeyVault/managedHSMs/write", "Microsoft.KeyVault/managedHsm/keys/derive/action"];
const ASSIGNMENT_SCOPES = ["/", "/keys", "/keys/a", "/keys/b", "/keys/A"];
const TARGETS = ["/", "/keys", "/keys/a", "/keys/b", "/keys/c", "/keys/B"];

interface Directory {
  members: Array<readonly [string, string]>; // [member, group]
  disabled: Set<string>;
}

// ---- reference evaluator ----
function referenceGroupsOf(user: string, directory: Directory): Set<string> {
  const groups = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [member, group] of directory.members) {
      if ((member === user || groups.has(member)) && !groups.has(group)) {
        groups.add(group);
        changed = true;
      }
    }
  }
  return groups;
}

function referenceMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(action);
}

function referenceContains(assignmentScope: string, target: string): boolean {
  const whole = (s: string) => s === "/" || s === "/keys";
  if (whole(assignmentScope)) return true;
  return !whole(target) && assignmentScope.toLowerCase() === target.toLowerCase();
}

function referenceDecide(
  user: string,
  action: string,
  target: string,
  directory: Directory,
  definitions: readonly RoleDefinition[],
  assignments: readonly RoleAssignment[],
): string[] {
  if (directory.disabled.has(user)) return [];
  const holders = referenceGroupsOf(user, directory);
  holders.add(user);
  const granting: string[] = [];
  for (const a of assignments) {
    if (!holders.has(a.principalId)) continue;
    const roleGuid = a.roleDefinitionId.split("/").pop();
    const role = definitions.find((d) => d.name === roleGuid);
    if (role === undefined || !referenceContains(a.scope, target)) continue;
    const grants = role.permissions.some(
      (p) => p.dataActions.some((x) => referenceMatches(x, action)) && !p.notDataActions.some((x) => referenceMatches(x, action)),
    );
    if (grants) granting.push(a.name);
  }
  return granting;
}

// ---- the identity layer's job in production: oid plus transitive groups, breadth-first ----
function resolvePrincipalIds(user: string, directory: Directory): string[] {
  if (directory.disabled.has(user)) return [];
  const seen = new Set<string>([user]);
  const queue = [user];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const [member, group] of directory.members) {
      if (member === current && !seen.has(group)) {
        seen.add(group);
        queue.push(group);
      }
    }
  }
  return [...seen];
}

// ---- arbitraries ----
const permissionArb = fc.record({
  actions: fc.subarray(["*", "Microsoft.KeyVault/managedHSMs/*"]),
  notActions: fc.constant([] as string[]),
  dataActions: fc.array(fc.constantFrom(...PATTERNS), { maxLength: 4 }),
  notDataActions: fc.array(fc.constantFrom(...PATTERNS), { maxLength: 2 }),
});
const customRoleArb = (i: number) =>
  fc.array(permissionArb, { minLength: 1, maxLength: 3 }).map(
    (permissions): RoleDefinition => ({
      id: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM_GUIDS[i]}`,
      name: CUSTOM_GUIDS[i] as string,
      roleName: `custom ${i}`,
      description: "",
      type: "CustomRole",
      permissions,
      assignableScopes: ["/"],
    }),
  );
const principalArb = fc.constantFrom(...USERS, ...GROUPS, UNKNOWN_PRINCIPAL);
const roleIdArb = fc.constantFrom(
  ...BUILT_IN_ROLES.map((r) => r.id),
  ...CUSTOM_GUIDS.map((g) => `/keys/providers/Microsoft.Authorization/roleDefinitions/${g}`),
  DEFUNCT_ROLE_ID,
);
const assignmentArb = fc.record({ principalId: principalArb, scope: fc.constantFrom(...ASSIGNMENT_SCOPES), roleDefinitionId: roleIdArb });
const memberEdgeArb = fc.tuple(fc.constantFrom(...USERS, ...GROUPS), fc.constantFrom(...GROUPS));

type Op =
  | { kind: "query"; user: string; action: string; target: string }
  | { kind: "addAssignment"; assignment: { principalId: string; scope: string; roleDefinitionId: string } }
  | { kind: "removeAssignment"; index: number }
  | { kind: "addMember"; edge: readonly [string, string] }
  | { kind: "removeMember"; index: number }
  | { kind: "replaceRole"; index: number; role: RoleDefinition }
  | { kind: "deleteRole"; index: number }
  | { kind: "toggleUser"; user: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("query" as const),
      user: fc.constantFrom(...USERS),
      action: fc.constantFrom(...QUERY_ACTIONS),
      target: fc.constantFrom(...TARGETS),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("addAssignment" as const), assignment: assignmentArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeAssignment" as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("addMember" as const), edge: memberEdgeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeMember" as const), index: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 4 })
      .chain((index) => customRoleArb(index).map((role) => ({ kind: "replaceRole" as const, index, role }))),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteRole" as const), index: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("toggleUser" as const), user: fc.constantFrom(...USERS) }) },
);

const worldArb = fc.record({
  customRoles: fc.tuple(...[0, 1, 2, 3, 4].map(customRoleArb)),
  assignments: fc.array(assignmentArb, { maxLength: 12 }),
  members: fc.array(memberEdgeArb, { maxLength: 10 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 80 }),
  maxEntries: fc.integer({ min: 1, max: 16 }),
});

describe("cached evaluator vs reference evaluator", () => {
  it("agrees on every query, including after random changes with generation bumps", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        let nextName = 0;
        const named = (a: { principalId: string; scope: string; roleDefinitionId: string }): RoleAssignment => {
          const name = guid("ff", nextName++);
          return { id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, ...a };
        };
        let customRoles: Array<RoleDefinition | undefined> = [...world.customRoles];
        let assignments = world.assignments.map(named);
        const directory: Directory = { members: [...world.members], disabled: new Set() };
        let generation = 0;
        const definitions = () => [...BUILT_IN_ROLES, ...customRoles.filter((r): r is RoleDefinition => r !== undefined)];
        const cache = createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: world.maxEntries });

        for (const op of world.ops) {
          switch (op.kind) {
            case "query": {
              const state = { definitions: definitions(), assignments };
              const query = { principalIds: resolvePrincipalIds(op.user, directory), action: op.action, target: op.target };
              const cached = cache.decide(query, generation, () => state);
              const expected = referenceDecide(op.user, op.action, op.target, directory, state.definitions, assignments);
              expect(cached.decidingAssignments.map((a) => a.name)).toEqual(expected);
              expect(cached.allowed).toBe(expected.length > 0);
              expect(cache.size).toBeLessThanOrEqual(world.maxEntries);
              continue;
            }
            case "addAssignment":
              assignments = [...assignments, named(op.assignment)];
              break;
            case "removeAssignment":
              assignments = assignments.filter((_, i) => i !== op.index % Math.max(assignments.length, 1));
              break;
            case "addMember":
              directory.members.push(op.edge);
              break;
            case "removeMember":
              directory.members.splice(op.index % Math.max(directory.members.length, 1), 1);
              break;
            case "replaceRole":
              customRoles = customRoles.map((r, i) => (i === op.index ? op.role : r));
              break;
            case "deleteRole":
              customRoles = customRoles.map((r, i) => (i === op.index ? undefined : r));
              break;
            case "toggleUser":
              if (!directory.disabled.delete(op.user)) directory.disabled.add(op.user);
              break;
          }
          generation++;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("decision cache", () => {
  const user = USERS[0] as string;
  const cryptoUser = BUILT_IN_ROLES.find((r) => r.roleName === "Managed HSM Crypto User") as RoleDefinition;
  const grant: RoleAssignment = {
    id: "/providers/Microsoft.Authorization/roleAssignments/x",
    name: guid("ff", 99),
    scope: "/",
    roleDefinitionId: cryptoUser.id,
    principalId: user,
  };
  const query = { principalIds: [user], action: "Microsoft.KeyVault/managedHsm/keys/sign/action", target: "/keys/a" };

  it("reads state only on a miss, and drops everything when the generation changes", () => {
    const cache = createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: 10 });
    let loads = 0;
    let state = { definitions: BUILT_IN_ROLES, assignments: [grant] };
    const load = () => {
      loads++;
      return state;
    };
    expect(cache.decide(query, 1, load).allowed).toBe(true);
    expect(cache.decide({ ...query, principalIds: [user.toUpperCase()] }, 1, load).allowed).toBe(true);
    expect(loads).toBe(1);
    state = { definitions: BUILT_IN_ROLES, assignments: [] };
    expect(cache.decide(query, 2, load).allowed).toBe(false);
    expect(loads).toBe(2);
    expect(cache.size).toBe(1);
  });

  it("stays within its bound, evicting the least recently used entry", () => {
    const cache = createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: 2 });
    let loads = 0;
    const load = () => {
      loads++;
      return { definitions: BUILT_IN_ROLES, assignments: [grant] };
    };
    const at = (target: string) => ({ ...query, target });
    cache.decide(at("/keys/a"), 0, load);
    cache.decide(at("/keys/b"), 0, load);
    cache.decide(at("/keys/a"), 0, load); // a is now the most recent
    cache.decide(at("/keys/c"), 0, load); // evicts b
    expect([cache.size, loads]).toEqual([2, 3]);
    cache.decide(at("/keys/a"), 0, load);
    expect(loads).toBe(3);
    cache.decide(at("/keys/b"), 0, load);
    expect(loads).toBe(4);
  });

  it("refuses a bad bound or generation by field", () => {
    expect(() => createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: 0 })).toThrow(/maxEntries/);
    const cache = createDecisionCache({ rule: hsmScopeRule, plane: "data", maxEntries: 1 });
    expect(() => cache.decide(query, Number.NaN, () => ({ definitions: [], assignments: [] }))).toThrow(/generation/);
  });
});
