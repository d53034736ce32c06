import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import {
  BUILT_IN_ROLES,
  DATA_ACTIONS,
  MANAGED_HSM_CRYPTO_USER,
  armScopeRule,
  decide,
  hsmScopeRule,
  type DecideOptions,
} from "../../src/authz/index.js";
import { assignment, customRole, permission } from "./helpers.js";

const data: DecideOptions = { rule: hsmScopeRule, plane: "data" };
const SIGN = "Microsoft.KeyVault/managedHsm/keys/sign/action";
const DECRYPT = "Microsoft.KeyVault/managedHsm/keys/decrypt/action";

describe("decide", () => {
  const user = randomUUID();
  const group = randomUUID();

  it("grants through an assignment held by the caller or by one of its groups", () => {
    const viaGroup = assignment(group, MANAGED_HSM_CRYPTO_USER, "/keys/k1");
    const state = { definitions: BUILT_IN_ROLES, assignments: [viaGroup] };
    const allowed = decide({ principalIds: [user, group], action: SIGN, target: "/keys/k1" }, state, data);
    expect(allowed).toEqual({ allowed: true, decidingAssignments: [viaGroup] });
    expect(decide({ principalIds: [user], action: SIGN, target: "/keys/k1" }, state, data).allowed).toBe(false);
    expect(decide({ principalIds: [user, group], action: SIGN, target: "/keys/k2" }, state, data).allowed).toBe(false);
    expect(decide({ principalIds: [user, group], action: SIGN, target: "/" }, state, data).allowed).toBe(false);
  });

  it("compares principal ids case-insensitively and accepts any roleDefinitionId ending in the GUID", () => {
    const a = {
      ...assignment(user.toUpperCase(), MANAGED_HSM_CRYPTO_USER),
      roleDefinitionId: `/keys/providers/Microsoft.Authorization/roleDefinitions/${MANAGED_HSM_CRYPTO_USER.name.toUpperCase()}`,
    };
    const state = { definitions: BUILT_IN_ROLES, assignments: [a] };
    expect(decide({ principalIds: [user], action: SIGN, target: "/keys/x" }, state, data).allowed).toBe(true);
  });

  it("notDataActions exclude within one role, while another role may still grant", () => {
    const noDecrypt = customRole("no decrypt", [
      permission({ dataActions: ["Microsoft.KeyVault/managedHsm/keys/*"], notDataActions: [DECRYPT] }),
    ]);
    const decryptOnly = customRole("decrypt only", [permission({ dataActions: [DECRYPT] })]);
    const excluded = assignment(user, noDecrypt);
    const granting = assignment(group, decryptOnly, "/keys/k1");
    const state = { definitions: [noDecrypt, decryptOnly], assignments: [excluded, granting] };

    expect(decide({ principalIds: [user], action: DECRYPT, target: "/keys/k1" }, state, data).allowed).toBe(false);
    expect(decide({ principalIds: [user], action: SIGN, target: "/keys/k1" }, state, data)).toEqual({
      allowed: true,
      decidingAssignments: [excluded],
    });
    expect(decide({ principalIds: [user, group], action: DECRYPT, target: "/keys/k1" }, state, data)).toEqual({
      allowed: true,
      decidingAssignments: [granting],
    });
    expect(decide({ principalIds: [user, group], action: DECRYPT, target: "/keys/k2" }, state, data).allowed).toBe(false);
  });

  it("a not entry excludes only within its own permission block", () => {
    const twoBlocks = customRole("two blocks", [
      permission({ dataActions: ["*"], notDataActions: ["*/decrypt/*"] }),
      permission({ dataActions: [DECRYPT] }),
    ]);
    const state = { definitions: [twoBlocks], assignments: [assignment(user, twoBlocks)] };
    expect(decide({ principalIds: [user], action: DECRYPT, target: "/" }, state, data).allowed).toBe(true);
  });

  it("defunct assignments (role definition gone) grant nothing", () => {
    const gone = customRole("gone", [permission({ dataActions: ["*"] })]);
    const state = {
      definitions: BUILT_IN_ROLES,
      assignments: [assignment(user, gone), assignment(user, "not-a-role-definition-id")],
    };
    for (const action of DATA_ACTIONS) {
      expect(decide({ principalIds: [user], action, target: "/" }, state, data).allowed).toBe(false);
    }
  });

  it("isolation: management-plane roles grant no data action, data-plane roles no management action", () => {
    const owner = customRole("Owner", [permission({ actions: ["*"] })]);
    const dataAll = customRole("everything local", [permission({ dataActions: ["*"] })]);
    const state = {
      definitions: [owner, dataAll],
      assignments: [assignment(user, owner), assignment(group, dataAll)],
    };
    for (const action of DATA_ACTIONS) {
      expect(decide({ principalIds: [user], action, target: "/" }, state, data).allowed).toBe(false);
      expect(decide({ principalIds: [group], action, target: "/" }, state, data).allowed).toBe(true);
    }
    const management: DecideOptions = { rule: armScopeRule(() => []), plane: "management" };
    const armState = {
      definitions: [owner, dataAll],
      assignments: [assignment(user, owner, "/subscriptions/s1"), assignment(group, dataAll, "/subscriptions/s1")],
    };
    const write = "Microsoft.KeyVault/managedHSMs/write";
    const target = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/h1";
    expect(decide({ principalIds: [user], action: write, target }, armState, management).allowed).toBe(true);
    expect(decide({ principalIds: [group], action: write, target }, armState, management).allowed).toBe(false);
    expect(decide({ principalIds: [user], action: write, target: "/subscriptions/s2" }, armState, management).allowed).toBe(false);
  });

  it("refuses malformed queries with field-named errors", () => {
    const state = { definitions: BUILT_IN_ROLES, assignments: [] };
    const cases: Array<[unknown, string]> = [
      [{ principalIds: [user], action: SIGN, target: "/keys/a/b" }, "target"],
      [{ principalIds: [user], action: "", target: "/" }, "action"],
      [{ principalIds: "nope", action: SIGN, target: "/" }, "principalIds"],
    ];
    for (const [query, field] of cases) {
      let caught: unknown;
      try {
        decide(query as never, state, data);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KeyholdError);
      expect((caught as KeyholdError).field).toBe(field);
    }
  });
});
