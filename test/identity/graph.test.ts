import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import {
  directoryObjectToGraph,
  parseAddPassword,
  parseGroupCreate,
  parseMemberReference,
  parseServicePrincipalCreate,
  parseServicePrincipalPatch,
  parseUserCreate,
  parseUserPatch,
  servicePrincipalToGraph,
  userToGraph,
} from "../../src/identity/graph.js";
import type { PrincipalRecord } from "../../src/store/records.js";

const record = (overrides: Partial<PrincipalRecord>): PrincipalRecord => ({
  id: "0b7c3f5e-0000-4000-8000-000000000001",
  tenantId: "0b7c3f5e-0000-4000-8000-0000000000aa",
  kind: "user",
  displayName: "Ada",
  userPrincipalName: "ada@contoso",
  appId: null,
  enabled: true,
  passwordHash: "scrypt$1$1$1$salt$hash",
  createdAt: 1,
  updatedAt: 1,
  ...overrides,
});

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyholdError);
    expect((error as KeyholdError).code).toBe("BadParameter");
    return (error as KeyholdError).field;
  }
  throw new Error("expected a BadParameter error");
}

describe("Graph v1.0 shapes", () => {
  it("maps records to Graph objects without the password hash", () => {
    expect(userToGraph(record({}))).toEqual({
      id: record({}).id,
      displayName: "Ada",
      userPrincipalName: "ada@contoso",
      accountEnabled: true,
    });
    expect(JSON.stringify(directoryObjectToGraph(record({})))).not.toContain("scrypt");
    const sp = record({
      kind: "servicePrincipal",
      userPrincipalName: null,
      appId: "0b7c3f5e-0000-4000-8000-0000000000bb",
      enabled: false,
      passwordHash: null,
    });
    expect(servicePrincipalToGraph(sp)).toEqual({
      id: sp.id,
      appId: sp.appId,
      displayName: "Ada",
      accountEnabled: false,
      servicePrincipalType: "Application",
    });
    expect(directoryObjectToGraph({ ...sp, kind: "managedIdentity" })).toMatchObject({
      "@odata.type": "#microsoft.graph.servicePrincipal",
      servicePrincipalType: "ManagedIdentity",
    });
    expect(directoryObjectToGraph({ ...sp, kind: "group" })).toMatchObject({
      "@odata.type": "#microsoft.graph.group",
      securityEnabled: true,
    });
  });

  it("parses valid request bodies", () => {
    expect(
      parseUserCreate({ userPrincipalName: "ada@contoso", displayName: " Ada ", passwordProfile: { password: "password-1" } }),
    ).toEqual({
      userPrincipalName: "ada@contoso",
      displayName: "Ada",
      password: "password-1",
      enabled: true,
    });
    expect(parseUserPatch({ accountEnabled: false })).toEqual({ enabled: false });
    expect(parseGroupCreate({ displayName: "g", mailNickname: "g", securityEnabled: true, mailEnabled: false })).toEqual({
      displayName: "g",
    });
    expect(parseServicePrincipalCreate({ displayName: "app", appId: "0B7C3F5E-0000-4000-8000-0000000000BB" })).toEqual({
      displayName: "app",
      appId: "0b7c3f5e-0000-4000-8000-0000000000bb",
      enabled: true,
    });
    expect(parseServicePrincipalPatch({ displayName: "renamed" })).toEqual({ displayName: "renamed" });
    expect(parseAddPassword({ passwordCredential: { displayName: "ci", endDateTime: "2030-01-01T00:00:00Z" } })).toEqual({
      displayName: "ci",
      endDateTime: Date.parse("2030-01-01T00:00:00Z"),
    });
    expect(parseAddPassword(undefined)).toEqual({});
    expect(
      parseMemberReference({ "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/0b7c3f5e-0000-4000-8000-000000000001" }),
    ).toBe("0b7c3f5e-0000-4000-8000-000000000001");
  });

  it("names the wrong field of a bad body", () => {
    expect(fieldOf(() => parseUserCreate("nope"))).toBe("body");
    expect(fieldOf(() => parseUserCreate({ userPrincipalName: "ada@contoso", displayName: "Ada" }))).toBe("passwordProfile.password");
    expect(fieldOf(() => parseUserCreate({ userPrincipalName: 7, displayName: "Ada", passwordProfile: { password: "password-1" } }))).toBe(
      "userPrincipalName",
    );
    expect(
      fieldOf(() =>
        parseUserCreate({
          userPrincipalName: "a@b",
          displayName: "Ada",
          passwordProfile: { password: "password-1" },
          accountEnabled: "yes",
        }),
      ),
    ).toBe("accountEnabled");
    expect(
      fieldOf(() =>
        parseUserCreate({ userPrincipalName: "a@b", displayName: "Ada", passwordProfile: { password: "password-1" }, jobTitle: "x" }),
      ),
    ).toBe("jobTitle");
    expect(fieldOf(() => parseUserPatch({ passwordProfile: { password: "short" } }))).toBe("passwordProfile.password");
    expect(fieldOf(() => parseGroupCreate({ displayName: "" }))).toBe("displayName");
    expect(fieldOf(() => parseGroupCreate({ displayName: "g", mailEnabled: true }))).toBe("mailEnabled");
    expect(fieldOf(() => parseServicePrincipalCreate({ displayName: "app", appId: "not-a-guid" }))).toBe("appId");
    expect(fieldOf(() => parseAddPassword({ passwordCredential: { endDateTime: "tomorrow" } }))).toBe("passwordCredential.endDateTime");
    expect(fieldOf(() => parseAddPassword({ passwordCredential: { secretText: "mine" } }))).toBe("passwordCredential.secretText");
    expect(fieldOf(() => parseMemberReference({ "@odata.id": "https://graph/v1.0/users/x" }))).toBe("@odata.id");
  });
});
