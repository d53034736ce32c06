/**
 * The store's behaviour, run against both implementations (test/store/store-kinds.ts).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import type { PrincipalKind, PrincipalRecord } from "../../src/store/index.js";
import { MIGRATIONS, PG_MIGRATIONS, type Store } from "../../src/store/index.js";
import { STORE_KINDS, type StorePlace } from "./store-kinds.js";

const TENANT = "11111111-1111-4111-8111-111111111111";

function principal(kind: PrincipalKind, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord {
  return {
    id: crypto.randomUUID(),
    tenantId: TENANT,
    kind,
    displayName: `${kind}-${Math.random()}`,
    userPrincipalName: null,
    appId: null,
    enabled: true,
    passwordHash: null,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

describe.each(STORE_KINDS)("$name store", (kind) => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(() => kind.dropAll());

  async function open(place: StorePlace): Promise<Store> {
    const store = await place.open();
    stores.push(store);
    return store;
  }

  async function memoryStore(): Promise<Store> {
    return open(await kind.place());
  }

  async function withTenant(): Promise<Store> {
    const store = await memoryStore();
    await store.directory.insertTenant({ id: TENANT, name: "contoso", createdAt: 1 });
    return store;
  }

  describe("schema and settings", () => {
    it("applies every migration once, records it, and keeps data across reopen", async () => {
      const place = await kind.place();
      const first = await place.open();
      await first.directory.insertTenant({ id: TENANT, name: "contoso", createdAt: 1 });
      await first.close();
      const second = await open(place);
      expect((await second.directory.getTenant(TENANT))?.name).toBe("contoso");
      const versions = await place.query("SELECT version FROM schema_migrations ORDER BY version");
      expect(versions.map((v) => Number(v.version))).toEqual((kind.name === "sqlite" ? MIGRATIONS : PG_MIGRATIONS).map((m) => m.version));
      if (kind.name === "sqlite") expect((await place.query("PRAGMA journal_mode"))[0]?.journal_mode).toBe("wal");
    });

    it("refuses a store whose schema is newer than this code", async () => {
      const place = await kind.place();
      await (await place.open()).close();
      await place.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
      await expect(place.open()).rejects.toMatchObject({ code: "Unavailable" });
    });
  });

  describe("directory repository", () => {
    it("refuses a second principal with the same userPrincipalName (any case) or appId with Conflict", async () => {
      const store = await withTenant();
      await store.directory.insertPrincipal(principal("user", { userPrincipalName: "ada@contoso" }));
      await expect(store.directory.insertPrincipal(principal("user", { userPrincipalName: "ADA@contoso" }))).rejects.toMatchObject({
        code: "Conflict",
      });
      const appId = crypto.randomUUID();
      await store.directory.insertPrincipal(principal("servicePrincipal", { appId }));
      await expect(store.directory.insertPrincipal(principal("managedIdentity", { appId }))).rejects.toBeInstanceOf(KeyholdError);
    });

    it("resolves transitive groups through enabled groups only, and terminates on a cycle", async () => {
      const store = await withTenant();
      const user = principal("user");
      const [a, b, c] = [principal("group"), principal("group"), principal("group")];
      for (const p of [user, a, b, c]) await store.directory.insertPrincipal(p);
      await store.directory.addMembership(a.id, user.id);
      await store.directory.addMembership(b.id, a.id);
      await store.directory.addMembership(c.id, b.id);
      await store.directory.addMembership(a.id, c.id); // a cycle a -> c -> b -> a, written below the service's check
      expect(await store.directory.listTransitiveGroupIds(user.id)).toEqual([a.id, b.id, c.id].sort());

      await store.directory.updatePrincipal(TENANT, b.id, { enabled: false }, 2);
      expect(await store.directory.listTransitiveGroupIds(user.id)).toEqual([a.id]);
    });

    it("deleting a principal removes its memberships in both directions", async () => {
      const store = await withTenant();
      const user = principal("user");
      const inner = principal("group");
      const outer = principal("group");
      for (const p of [user, inner, outer]) await store.directory.insertPrincipal(p);
      await store.directory.addMembership(inner.id, user.id);
      await store.directory.addMembership(outer.id, inner.id);
      expect(await store.directory.deletePrincipal(TENANT, inner.id)).toBe(true);
      expect(await store.directory.listTransitiveGroupIds(user.id)).toEqual([]);
      expect(await store.directory.listMemberIds(outer.id)).toEqual([]);
      expect(await store.directory.deletePrincipal(TENANT, inner.id)).toBe(false);
    });
  });

  describe("generation and transactions", () => {
    it("bumps the generation on directory, membership, role definition and assignment changes only", async () => {
      const store = await withTenant();
      const user = principal("user");
      const group = principal("group");
      let seen = await store.generation();
      const expectBump = async (change: () => Promise<unknown>) => {
        await change();
        const now = await store.generation();
        expect(now).toBeGreaterThan(seen);
        seen = now;
      };
      await expectBump(() => store.directory.insertPrincipal(user));
      await expectBump(() => store.directory.insertPrincipal(group));
      await expectBump(() => store.directory.addMembership(group.id, user.id));
      await expectBump(() => store.directory.updatePrincipal(TENANT, user.id, { enabled: false }, 5));
      await expectBump(() => store.directory.removeMembership(group.id, user.id));
      const definition = {
        id: "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/2f6a8a4a-1111-4111-8111-111111111111",
        name: "2f6a8a4a-1111-4111-8111-111111111111",
        roleName: "custom",
        description: "",
        type: "CustomRole" as const,
        permissions: [{ actions: [], notActions: [], dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action"], notDataActions: [] }],
        assignableScopes: ["/"],
      };
      await expectBump(() => store.rbac.putRoleDefinition("hsm-1", definition));
      const assignment = {
        id: "/providers/Microsoft.Authorization/roleAssignments/x",
        name: "x",
        scope: "/keys/k1",
        roleDefinitionId: definition.id,
        principalId: user.id,
      };
      await expectBump(() => store.rbac.insertRoleAssignment("hsm-1", assignment));
      await expectBump(() => store.rbac.deleteRoleAssignment("hsm-1", "x"));
      await expectBump(() => store.rbac.deleteRoleDefinition("hsm-1", definition.name));

      await store.issuerKeys.insert({ kid: "k", alg: "ES256", privateJwk: "{}", publicJwk: "{}", createdAt: 1 });
      expect(await store.generation()).toBe(seen);
      expect(await store.directory.removeMembership(group.id, user.id)).toBe(false);
      expect(await store.generation()).toBe(seen);
    });

    it("keeps role definitions and assignments per HSM", async () => {
      const store = await withTenant();
      const assignment = { id: "/x/a", name: "a", scope: "/", roleDefinitionId: "r", principalId: "p" };
      await store.rbac.insertRoleAssignment("hsm-1", assignment);
      expect(await store.rbac.listRoleAssignments("hsm-1")).toEqual([assignment]);
      expect(await store.rbac.listRoleAssignments("hsm-2")).toEqual([]);
      expect(await store.rbac.getRoleAssignment("hsm-1", "a")).toEqual(assignment);
      await expect(store.rbac.insertRoleAssignment("hsm-1", assignment)).rejects.toMatchObject({ code: "Conflict" });
    });

    it("rolls a failed transaction back completely", async () => {
      const store = await withTenant();
      const before = await store.generation();
      const user = principal("user");
      await expect(
        store.transaction(async (tx) => {
          await tx.directory.insertPrincipal(user);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect(await store.directory.getPrincipal(TENANT, user.id)).toBeUndefined();
      expect(await store.generation()).toBe(before);
    });

    it("makes outside callers wait until an open transaction ends", async () => {
      const store = await withTenant();
      const group = principal("group");
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const transaction = store.transaction(async (tx) => {
        await tx.directory.insertPrincipal(group);
        await gate;
        throw new Error("abort after waiting");
      });
      const outsideRead = store.directory.getPrincipal(TENANT, group.id);
      release();
      await expect(transaction).rejects.toThrow("abort after waiting");
      // Had the read run inside the open transaction it would have seen the uncommitted row.
      expect(await outsideRead).toBeUndefined();
    });
  });
});
