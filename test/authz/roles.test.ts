import { describe, expect, it } from "vitest";
import { BUILT_IN_ROLES, DATA_ACTIONS, isDataAction } from "../../src/authz/index.js";

describe("data actions and built-in roles", () => {
  it("lists the 34 values of the 7.6 DataAction enum plus keys/rotate/action, without duplicates", () => {
    expect(DATA_ACTIONS).toHaveLength(35);
    expect(new Set(DATA_ACTIONS).size).toBe(35);
    expect(DATA_ACTIONS.every((a) => a.startsWith("Microsoft.KeyVault/managedHsm/"))).toBe(true);
    expect(isDataAction("Microsoft.KeyVault/managedHsm/keys/rotate/action")).toBe(true);
    expect(isDataAction("Microsoft.KeyVault/managedHsm/keys/derive/action")).toBe(false);
    expect(Object.isFrozen(DATA_ACTIONS)).toBe(true);
  });

  it("has the nine built-in roles with their documented GUIDs and ids", () => {
    expect(BUILT_IN_ROLES.map((r) => [r.roleName, r.name])).toEqual([
      ["Managed HSM Administrator", "a290e904-7015-4bba-90c8-60543313cdb4"],
      ["Managed HSM Crypto Officer", "515eb02d-2335-4d2d-92f2-b1cbdf9c3778"],
      ["Managed HSM Crypto User", "21dbd100-6940-42c2-9190-5d6cb909625b"],
      ["Managed HSM Policy Administrator", "4bd23610-cdcf-4971-bdee-bdc562cc28e4"],
      ["Managed HSM Crypto Auditor", "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3"],
      ["Managed HSM Crypto Service Encryption User", "33413926-3206-4cdd-b39a-83574fe37a17"],
      ["Managed HSM Crypto Service Release User", "21dbd100-6940-42c2-9190-5d6cb909625c"],
      ["Managed HSM Backup", "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8"],
      ["Managed HSM Restore", "6efe6056-5259-49d2-8b3d-d3d73544b20b"],
    ]);
    for (const role of BUILT_IN_ROLES) {
      expect(role.id).toBe(`Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${role.name}`);
      expect(role.type).toBe("AKVBuiltInRole");
      expect(role.assignableScopes).toEqual(["/"]);
      for (const action of role.permissions.flatMap((p) => p.dataActions)) expect(isDataAction(action)).toBe(true);
    }
  });

  it("gives the roles the seed does not exercise their documented data actions", () => {
    const byName = (name: string) => BUILT_IN_ROLES.find((r) => r.roleName === name)?.permissions[0]?.dataActions;
    const p = "Microsoft.KeyVault/managedHsm";
    expect([...(byName("Managed HSM Crypto Officer") ?? [])].sort()).toEqual([
      `${p}/keys/deletedKeys/delete`,
      `${p}/keys/deletedKeys/read/action`,
      `${p}/keys/deletedKeys/recover/action`,
      `${p}/roleAssignments/delete/action`,
      `${p}/roleAssignments/read/action`,
      `${p}/roleAssignments/write/action`,
      `${p}/roleDefinitions/delete/action`,
      `${p}/roleDefinitions/read/action`,
      `${p}/roleDefinitions/write/action`,
    ]);
    expect([...(byName("Managed HSM Policy Administrator") ?? [])].sort()).toEqual([
      `${p}/roleAssignments/delete/action`,
      `${p}/roleAssignments/read/action`,
      `${p}/roleAssignments/write/action`,
      `${p}/roleDefinitions/delete/action`,
      `${p}/roleDefinitions/read/action`,
      `${p}/roleDefinitions/write/action`,
    ]);
    expect(byName("Managed HSM Crypto Service Release User")).toEqual([`${p}/keys/release/action`]);
    expect([...(byName("Managed HSM Backup") ?? [])].sort()).toEqual([
      `${p}/backup/start/action`,
      `${p}/backup/status/action`,
      `${p}/keys/backup/action`,
    ]);
    expect([...(byName("Managed HSM Restore") ?? [])].sort()).toEqual([
      `${p}/keys/restore/action`,
      `${p}/restore/start/action`,
      `${p}/restore/status/action`,
    ]);
  });

  it("is immutable", () => {
    const role = BUILT_IN_ROLES[0];
    expect(Object.isFrozen(BUILT_IN_ROLES)).toBe(true);
    expect(Object.isFrozen(role)).toBe(true);
    expect(Object.isFrozen(role?.permissions[0]?.dataActions)).toBe(true);
    expect(() => (role?.permissions[0]?.dataActions as string[]).push("*")).toThrow(TypeError);
  });
});
