import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import { armScopeRule, hsmScopeRule, keyScope, type ArmHierarchyNode } from "../../src/authz/index.js";

function expectBadParameter(run: () => unknown, field: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyholdError);
    expect((error as KeyholdError).code).toBe("BadParameter");
    expect((error as KeyholdError).field).toBe(field);
    return;
  }
  throw new Error("expected a BadParameter error");
}

describe("hsmScopeRule", () => {
  it("accepts /, /keys and /keys/{name} and keeps their spelling", () => {
    expect(hsmScopeRule.normalize("/", "scope")).toBe("/");
    expect(hsmScopeRule.normalize("/keys", "scope")).toBe("/keys");
    expect(hsmScopeRule.normalize("/keys/my-Key-1", "scope")).toBe("/keys/my-Key-1");
    expect(hsmScopeRule.normalize(`/keys/${"a".repeat(127)}`, "scope")).toBe(`/keys/${"a".repeat(127)}`);
  });

  it("refuses anything else, naming the field", () => {
    for (const bad of ["", "keys", "/keys/", "/keys/a/b", "/keys/a_b", `/keys/${"a".repeat(128)}`, "/secrets/x", "//", "/KEYS"]) {
      expectBadParameter(() => hsmScopeRule.normalize(bad, "properties.scope"), "properties.scope");
    }
    expectBadParameter(() => hsmScopeRule.normalize(42, "scope"), "scope");
    expectBadParameter(() => keyScope("no spaces"), "keyName");
    expect(keyScope("k1")).toBe("/keys/k1");
  });

  it("treats / and /keys as the same whole-HSM scope", () => {
    for (const whole of ["/", "/keys"]) {
      for (const target of ["/", "/keys", "/keys/a", "/keys/b"]) {
        expect(hsmScopeRule.contains(whole, target)).toBe(true);
      }
    }
  });

  it("lets a key scope cover that key only, case-insensitively as Key Vault names are", () => {
    expect(hsmScopeRule.contains("/keys/a", "/keys/a")).toBe(true);
    expect(hsmScopeRule.contains("/keys/a", "/keys/A")).toBe(true);
    expect(hsmScopeRule.contains("/keys/a", "/keys/ab")).toBe(false);
    expect(hsmScopeRule.contains("/keys/a", "/keys/b")).toBe(false);
    expect(hsmScopeRule.contains("/keys/a", "/")).toBe(false);
    expect(hsmScopeRule.contains("/keys/a", "/keys")).toBe(false);
  });

  it("gives invalid scopes no containment either way", () => {
    expect(hsmScopeRule.contains("/bogus", "/keys/a")).toBe(false);
    expect(hsmScopeRule.contains("/", "/bogus")).toBe(false);
    expect(hsmScopeRule.contains("/keys/a/", "/keys/a")).toBe(false);
  });
});

describe("armScopeRule", () => {
  // Tenant root group "root" > "corp" > "payments"; subscription s1 under payments, s2 under corp only, s3 unplaced.
  const parents: Record<string, readonly string[]> = {
    "managementGroup:payments": ["corp", "root"],
    "managementGroup:corp": ["root"],
    "subscription:s1": ["payments", "corp", "root"],
    "subscription:s2": ["corp", "root"],
  };
  const lookups: ArmHierarchyNode[] = [];
  const rule = armScopeRule((node) => {
    lookups.push(node);
    return parents[`${node.kind}:${node.id}`] ?? [];
  });
  const mg = (id: string) => `/providers/Microsoft.Management/managementGroups/${id}`;
  const hsm = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/managedHSMs/hsm1";

  it("validates the shapes of the scope tree, naming the field", () => {
    for (const good of [
      "/",
      mg("corp"),
      "/subscriptions/s1",
      "/subscriptions/s1/resourceGroups/rg1",
      hsm,
      `${hsm}/providers/Microsoft.Insights/diagnosticSettings/d1`,
      "/subscriptions/s1/providers/Microsoft.KeyVault/deletedManagedHSMs/x",
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default",
    ]) {
      expect(rule.normalize(good, "scope")).toBe(good);
    }
    for (const bad of [
      "",
      "subscriptions/s1",
      "/subscriptions",
      "/subscriptions/s1/",
      "/subscriptions/s1/resourceGroups",
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault",
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/managedHSMs",
      "/subscriptions/s1/resourceGroups/rg1/providers/NoDot/managedHSMs/x",
      "/subscriptions/s1/things/x",
      "/providers/Microsoft.Management/managementGroups",
      "/providers/Microsoft.Management/managementGroups/a/b",
      "/subscriptions/s 1",
    ]) {
      expectBadParameter(() => rule.normalize(bad, "id"), "id");
    }
  });

  it("nests root > management groups > subscriptions > resource groups > resources", () => {
    expect(rule.contains("/", hsm)).toBe(true);
    expect(rule.contains("/", mg("corp"))).toBe(true);
    expect(rule.contains(mg("corp"), mg("payments"))).toBe(true);
    expect(rule.contains(mg("payments"), mg("corp"))).toBe(false);
    expect(rule.contains(mg("corp"), mg("corp"))).toBe(true);
    expect(rule.contains(mg("corp"), "/")).toBe(false);
    expect(rule.contains(mg("corp"), hsm)).toBe(true);
    expect(rule.contains(mg("payments"), "/subscriptions/s2/resourceGroups/rg")).toBe(false);
    expect(rule.contains(mg("corp"), "/subscriptions/s3")).toBe(false);
    expect(rule.contains("/subscriptions/s1", hsm)).toBe(true);
    expect(rule.contains("/subscriptions/s1/resourceGroups/rg1", hsm)).toBe(true);
    expect(rule.contains("/subscriptions/s1/resourceGroups/rg2", hsm)).toBe(false);
    expect(rule.contains("/subscriptions/s1/resourceGroups/rg", "/subscriptions/s1/resourceGroups/rg1")).toBe(false);
    expect(rule.contains(hsm, `${hsm}/providers/Microsoft.Insights/diagnosticSettings/d1`)).toBe(true);
    expect(rule.contains(hsm, "/subscriptions/s1/resourceGroups/rg1")).toBe(false);
    expect(rule.contains("/subscriptions/s2", hsm)).toBe(false);
    expect(rule.contains("/subscriptions/s1", mg("payments"))).toBe(false);
  });

  it("compares case-insensitively and hands the lookup lower-cased ids", () => {
    lookups.length = 0;
    expect(rule.contains("/SUBSCRIPTIONS/S1/resourcegroups/RG1", hsm)).toBe(true);
    expect(rule.contains(mg("CORP"), "/subscriptions/S1")).toBe(true);
    expect(lookups).toEqual([{ kind: "subscription", id: "s1" }]);
  });

  it("gives invalid scopes no containment", () => {
    expect(rule.contains("/", "/bogus")).toBe(false);
    expect(rule.contains("/bogus", hsm)).toBe(false);
  });
});
