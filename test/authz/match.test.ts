import { describe, expect, it } from "vitest";
import { actionMatches, matchesAny } from "../../src/authz/index.js";

const SIGN = "Microsoft.KeyVault/managedHsm/keys/sign/action";

describe("actionMatches", () => {
  it("matches an exact action case-insensitively", () => {
    expect(actionMatches(SIGN, SIGN)).toBe(true);
    expect(actionMatches("microsoft.keyvault/MANAGEDHSM/keys/SIGN/action", SIGN)).toBe(true);
    expect(actionMatches(SIGN, "Microsoft.KeyVault/managedHsm/keys/sign")).toBe(false);
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/sign", SIGN)).toBe(false);
  });

  it("lets * stand for any run of characters, including slashes and nothing", () => {
    expect(actionMatches("*", SIGN)).toBe(true);
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/*", SIGN)).toBe(true);
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/*", "Microsoft.KeyVault/managedHsm/rng/action")).toBe(false);
    expect(actionMatches("*/action", SIGN)).toBe(true);
    expect(actionMatches("*/action", "Microsoft.KeyVault/managedHsm/keys/create")).toBe(false);
    expect(actionMatches("Microsoft.KeyVault/*/keys/*/action", SIGN)).toBe(true);
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/sign/action*", SIGN)).toBe(true);
    expect(actionMatches("*sign*", SIGN)).toBe(true);
    expect(actionMatches("*unwrap*", SIGN)).toBe(false);
  });

  it("treats regex metacharacters literally", () => {
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/sign/actio.", SIGN)).toBe(false);
    expect(actionMatches("Microsoft.KeyVault/managedHsm/keys/(sign)/action", SIGN)).toBe(false);
    expect(actionMatches("a.c", "abc")).toBe(false);
  });

  it("backtracks over several stars", () => {
    expect(actionMatches("*a*b*c", "xxaxxbxxbxxc")).toBe(true);
    expect(actionMatches("*a*b*c", "xxaxxcxxb")).toBe(false);
  });

  it("matchesAny is false for an empty list", () => {
    expect(matchesAny([], SIGN)).toBe(false);
    expect(matchesAny(["x", "*/sign/*"], SIGN)).toBe(true);
  });
});
