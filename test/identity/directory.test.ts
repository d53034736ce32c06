import { afterEach, describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import { hashPassword, verifyPassword } from "../../src/identity/password-hash.js";
import { identityFixture, TEST_SCRYPT, type IdentityFixture } from "./helpers.js";

const fixtures: IdentityFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.store.close();
});
async function setup(): Promise<IdentityFixture> {
  const f = await identityFixture();
  fixtures.push(f);
  return f;
}

describe("directory objects", () => {
  it("creates each kind with random GUID ids and finds them by id, name, UPN or appId", async () => {
    const { directory, tenant } = await setup();
    const user = await directory.createUser(tenant.id, {
      userPrincipalName: "ada@contoso.test",
      displayName: "Ada",
      password: "correct horse",
    });
    const group = await directory.createGroup(tenant.id, { displayName: "security team" });
    const sp = await directory.createServicePrincipal(tenant.id, { displayName: "payments app" });
    const mi = await directory.createManagedIdentity(tenant.id, { displayName: "storage identity" });
    const ids = [user.id, group.id, sp.id, mi.id, sp.appId, mi.appId];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(user.passwordHash).not.toContain("correct horse");

    expect((await directory.findPrincipal(tenant.id, "ada")).id).toBe(user.id);
    expect((await directory.findPrincipal(tenant.id, "ADA@contoso.test")).id).toBe(user.id);
    expect((await directory.findPrincipal(tenant.id, "security team")).id).toBe(group.id);
    expect((await directory.findPrincipal(tenant.id, sp.appId ?? "")).id).toBe(sp.id);
    expect((await directory.findPrincipal(tenant.id, mi.id)).id).toBe(mi.id);
    await expect(directory.findPrincipal(tenant.id, "nobody")).rejects.toMatchObject({ code: "NotFound" });
    expect((await directory.listPrincipals(tenant.id, "group")).map((p) => p.id)).toEqual([group.id]);
  });

  it("refuses an ambiguous name instead of guessing", async () => {
    const { directory, tenant } = await setup();
    await directory.createGroup(tenant.id, { displayName: "ops" });
    await directory.createGroup(tenant.id, { displayName: "ops" });
    await expect(directory.findPrincipal(tenant.id, "ops")).rejects.toMatchObject({ code: "BadParameter", field: "principal" });
  });

  it("names the field of bad input", async () => {
    const { directory, tenant } = await setup();
    await expect(
      directory.createUser(tenant.id, { userPrincipalName: "bad name", displayName: "x", password: "12345678" }),
    ).rejects.toMatchObject({
      field: "userPrincipalName",
    });
    await expect(directory.createUser(tenant.id, { userPrincipalName: "a@b", displayName: "x", password: "short" })).rejects.toMatchObject({
      field: "passwordProfile.password",
    });
    await expect(directory.createGroup(tenant.id, { displayName: "   " })).rejects.toMatchObject({ field: "displayName" });
    await expect(directory.createServicePrincipal(tenant.id, { displayName: "x", appId: "nope" })).rejects.toMatchObject({
      field: "appId",
    });
    await expect(directory.createGroup("not-a-tenant", { displayName: "g" })).rejects.toMatchObject({ code: "NotFound" });
  });

  it("verifies passwords against the stored scrypt parameters", async () => {
    const encoded = await hashPassword("s3cret-pass", TEST_SCRYPT);
    expect(encoded).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword("s3cret-pass", encoded)).toBe(true);
    expect(await verifyPassword("s3cret-pasS", encoded)).toBe(false);
    expect(await verifyPassword("s3cret-pass", encoded.replace(/\$[^$]+$/, "$AAAA"))).toBe(false);

    const { directory, tenant } = await setup();
    const user = await directory.createUser(tenant.id, {
      userPrincipalName: "bob@contoso",
      displayName: "Bob",
      password: "first-password",
    });
    expect((await directory.authenticateUser(tenant.id, "bob@contoso", "first-password"))?.id).toBe(user.id);
    expect(await directory.authenticateUser(tenant.id, "bob@contoso", "wrong-password")).toBeUndefined();
    expect(await directory.authenticateUser(tenant.id, "nobody@contoso", "first-password")).toBeUndefined();
    await directory.updatePrincipal(tenant.id, user.id, { password: "second-password" });
    expect(await directory.authenticateUser(tenant.id, "bob@contoso", "first-password")).toBeUndefined();
    expect((await directory.authenticateUser(tenant.id, "bob@contoso", "second-password"))?.id).toBe(user.id);
  });
});

describe("groups", () => {
  it("resolves nested membership transitively and drops a group as soon as the user leaves it", async () => {
    const { directory, tenant } = await setup();
    const user = await directory.createUser(tenant.id, { userPrincipalName: "u@c", displayName: "U", password: "password-1" });
    const team = await directory.createGroup(tenant.id, { displayName: "team" });
    const department = await directory.createGroup(tenant.id, { displayName: "department" });
    const company = await directory.createGroup(tenant.id, { displayName: "company" });
    await directory.addMember(tenant.id, team.id, user.id);
    await directory.addMember(tenant.id, department.id, team.id);
    await directory.addMember(tenant.id, company.id, department.id);
    expect([...(await directory.resolveCaller(tenant.id, user.id)).groupIds].sort()).toEqual([team.id, department.id, company.id].sort());

    await directory.removeMember(tenant.id, team.id, user.id);
    expect((await directory.resolveCaller(tenant.id, user.id)).groupIds).toEqual([]);
  });

  it("accepts service principals and managed identities as members", async () => {
    const { directory, tenant } = await setup();
    const group = await directory.createGroup(tenant.id, { displayName: "apps" });
    const sp = await directory.createServicePrincipal(tenant.id, { displayName: "app" });
    const mi = await directory.createManagedIdentity(tenant.id, { displayName: "mi" });
    await directory.addMember(tenant.id, group.id, sp.id);
    await directory.addMember(tenant.id, group.id, mi.id);
    expect((await directory.listMembers(tenant.id, group.id)).map((m) => m.id).sort()).toEqual([sp.id, mi.id].sort());
    expect((await directory.resolveCaller(tenant.id, mi.id)).groupIds).toEqual([group.id]);
    await expect(directory.addMember(tenant.id, group.id, sp.id)).rejects.toMatchObject({ code: "Conflict" });
  });

  it("refuses memberships that would make a cycle, of any length", async () => {
    const { directory, tenant } = await setup();
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => directory.createGroup(tenant.id, { displayName: n })));
    if (a === undefined || b === undefined || c === undefined) throw new Error("groups not created");
    await expect(directory.addMember(tenant.id, a.id, a.id)).rejects.toMatchObject({ code: "BadParameter", field: "member" });
    await directory.addMember(tenant.id, a.id, b.id);
    await expect(directory.addMember(tenant.id, b.id, a.id)).rejects.toMatchObject({ code: "BadParameter", field: "member" });
    await directory.addMember(tenant.id, b.id, c.id);
    await expect(directory.addMember(tenant.id, c.id, a.id)).rejects.toMatchObject({ code: "BadParameter", field: "member" });
    expect(await directory.listMembers(tenant.id, c.id)).toEqual([]);
    // A diamond is not a cycle.
    await directory.addMember(tenant.id, a.id, c.id);
    expect((await directory.listMembers(tenant.id, a.id)).length).toBe(2);
  });

  it("a disabled group grants nothing through itself", async () => {
    const { directory, tenant } = await setup();
    const user = await directory.createUser(tenant.id, { userPrincipalName: "u@c", displayName: "U", password: "password-1" });
    const inner = await directory.createGroup(tenant.id, { displayName: "inner" });
    const outer = await directory.createGroup(tenant.id, { displayName: "outer" });
    await directory.addMember(tenant.id, inner.id, user.id);
    await directory.addMember(tenant.id, outer.id, inner.id);
    await directory.setEnabled(tenant.id, inner.id, false);
    expect((await directory.resolveCaller(tenant.id, user.id)).groupIds).toEqual([]);
  });
});

describe("resolveCaller and directory administrators", () => {
  it("returns the caller's claims and refuses unknown, disabled, deleted, group and foreign principals", async () => {
    const { directory, tenant } = await setup();
    const user = await directory.createUser(tenant.id, { userPrincipalName: "u@c", displayName: "U", password: "password-1" });
    const sp = await directory.createServicePrincipal(tenant.id, { displayName: "app" });
    const group = await directory.createGroup(tenant.id, { displayName: "g" });
    expect(await directory.resolveCaller(tenant.id, user.id)).toEqual({
      oid: user.id,
      tid: tenant.id,
      kind: "user",
      displayName: "U",
      upn: "u@c",
      groupIds: [],
    });
    expect(await directory.resolveCaller(tenant.id, sp.id)).toMatchObject({ kind: "servicePrincipal", appid: sp.appId });

    const other = await directory.createTenant({ name: "fabrikam" });
    const refusals = [
      directory.resolveCaller(tenant.id, crypto.randomUUID()),
      directory.resolveCaller(tenant.id, group.id),
      directory.resolveCaller(other.id, user.id),
      directory.resolveCaller(tenant.id, "not-a-guid"),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toMatchObject({ code: "Unauthorized" });

    await directory.setEnabled(tenant.id, user.id, false);
    await expect(directory.resolveCaller(tenant.id, user.id)).rejects.toBeInstanceOf(KeyholdError);
    await directory.setEnabled(tenant.id, user.id, true);
    expect((await directory.resolveCaller(tenant.id, user.id)).oid).toBe(user.id);
    await directory.deletePrincipal(tenant.id, user.id);
    await expect(directory.resolveCaller(tenant.id, user.id)).rejects.toMatchObject({ code: "Unauthorized" });
  });

  it("knows administrators directly or through a group, and only while enabled", async () => {
    const { directory, tenant } = await setup();
    const alice = await directory.createUser(tenant.id, { userPrincipalName: "alice@c", displayName: "Alice", password: "password-1" });
    const bob = await directory.createUser(tenant.id, { userPrincipalName: "bob@c", displayName: "Bob", password: "password-1" });
    const admins = await directory.createGroup(tenant.id, { displayName: "admins" });
    await directory.addDirectoryAdministrator(tenant.id, alice.id);
    await directory.addDirectoryAdministrator(tenant.id, admins.id);
    expect(await directory.isDirectoryAdministrator(tenant.id, alice.id)).toBe(true);
    expect(await directory.isDirectoryAdministrator(tenant.id, bob.id)).toBe(false);
    await directory.addMember(tenant.id, admins.id, bob.id);
    expect(await directory.isDirectoryAdministrator(tenant.id, bob.id)).toBe(true);
    await directory.setEnabled(tenant.id, alice.id, false);
    expect(await directory.isDirectoryAdministrator(tenant.id, alice.id)).toBe(false);
    await directory.removeMember(tenant.id, admins.id, bob.id);
    expect(await directory.isDirectoryAdministrator(tenant.id, bob.id)).toBe(false);
  });
});
