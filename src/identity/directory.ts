import { KeyholdError, badParameter, echo } from "../errors.js";
import type { PrincipalKind, PrincipalRecord, TenantRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import type { Caller } from "../pipeline/caller.js";
import { GenerationCache } from "../store/generation-cache.js";
import { isGuid, newObjectId, requireGuid } from "./ids.js";
import { DEFAULT_SCRYPT, hashPassword, verifyAgainstNothing, verifyPassword, type ScryptParameters } from "./password-hash.js";
import { requireDisplayName, requirePassword, requireUserPrincipalName } from "./validation.js";

export interface DirectoryOptions {
  readonly now?: () => number;
  /** Tests lower the cost; production keeps the default. */
  readonly scrypt?: ScryptParameters;
}

export interface PrincipalUpdate {
  readonly displayName?: string;
  readonly enabled?: boolean;
  readonly password?: string;
}

const KIND_NAMES: Readonly<Record<PrincipalKind, string>> = {
  user: "user",
  group: "group",
  servicePrincipal: "service principal",
  managedIdentity: "managed identity",
};

/**
 * The built-in directory of SPEC section 5: tenants and their users, groups,
 * service principals and managed identities. Every read goes to the store, so
 * a change made by any process is seen on the next call.
 */
export class Directory {
  private readonly now: () => number;
  private readonly scrypt: ScryptParameters;

  private readonly callers: GenerationCache<Caller>;
  /** Tenant look-ups by id or name (null: no such tenant). */
  private readonly tenants: GenerationCache<TenantRecord | null>;

  constructor(
    readonly store: Store,
    options: DirectoryOptions = {},
  ) {
    this.callers = new GenerationCache(store);
    this.tenants = new GenerationCache(store);
    this.now = options.now ?? Date.now;
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
  }

  async createTenant(input: { name: string; id?: string }): Promise<TenantRecord> {
    const tenant: TenantRecord = {
      id: input.id === undefined ? newObjectId() : requireGuid(input.id, "id"),
      name: requireDisplayName("name", input.name),
      createdAt: this.now(),
    };
    await this.store.directory.insertTenant(tenant);
    return tenant;
  }

  async getTenant(tenantId: string): Promise<TenantRecord> {
    const tenant = isGuid(tenantId) ? await this.store.directory.getTenant(tenantId.toLowerCase()) : undefined;
    if (tenant === undefined) throw new KeyholdError("NotFound", `Tenant '${echo(tenantId)}' does not exist.`);
    return tenant;
  }

  /** By id or by name, as the OAuth endpoints accept either in their path. */
  async findTenant(idOrName: string): Promise<TenantRecord | undefined> {
    const found = await this.tenants.getOrLoad(
      idOrName.toLowerCase(),
      async () =>
        (isGuid(idOrName)
          ? await this.store.directory.getTenant(idOrName.toLowerCase())
          : await this.store.directory.findTenantByName(idOrName)) ?? null,
    );
    return found ?? undefined;
  }

  async listTenants(): Promise<TenantRecord[]> {
    return this.store.directory.listTenants();
  }

  async createUser(
    tenantId: string,
    input: { userPrincipalName: string; displayName: string; password: string; enabled?: boolean },
  ): Promise<PrincipalRecord> {
    const userPrincipalName = requireUserPrincipalName("userPrincipalName", input.userPrincipalName);
    const displayName = requireDisplayName("displayName", input.displayName);
    const passwordHash = await hashPassword(requirePassword("passwordProfile.password", input.password), this.scrypt);
    return this.insert(tenantId, "user", { displayName, userPrincipalName, passwordHash, enabled: input.enabled });
  }

  async createGroup(tenantId: string, input: { displayName: string }): Promise<PrincipalRecord> {
    return this.insert(tenantId, "group", { displayName: requireDisplayName("displayName", input.displayName) });
  }

  async createServicePrincipal(
    tenantId: string,
    input: { displayName: string; appId?: string; enabled?: boolean },
  ): Promise<PrincipalRecord> {
    return this.insert(tenantId, "servicePrincipal", {
      displayName: requireDisplayName("displayName", input.displayName),
      appId: input.appId === undefined ? newObjectId() : requireGuid(input.appId, "appId"),
      enabled: input.enabled,
    });
  }

  async createManagedIdentity(tenantId: string, input: { displayName: string; clientId?: string }): Promise<PrincipalRecord> {
    return this.insert(tenantId, "managedIdentity", {
      displayName: requireDisplayName("displayName", input.displayName),
      appId: input.clientId === undefined ? newObjectId() : requireGuid(input.clientId, "clientId"),
    });
  }

  async getPrincipal(tenantId: string, id: string, kind?: PrincipalKind): Promise<PrincipalRecord> {
    const principal = isGuid(id) ? await this.store.directory.getPrincipal(tenantId, id.toLowerCase()) : undefined;
    if (principal === undefined || (kind !== undefined && principal.kind !== kind)) {
      throw new KeyholdError(
        "NotFound",
        `No ${kind === undefined ? "principal" : KIND_NAMES[kind]} with id '${echo(id)}' exists in this tenant.`,
      );
    }
    return principal;
  }

  /**
   * For operators: an object id, a userPrincipalName, an appId, the part of a
   * userPrincipalName before the @, or a display name; a name that fits
   * several principals is refused rather than guessed.
   */
  async findPrincipal(tenantId: string, nameOrId: string, kind?: PrincipalKind): Promise<PrincipalRecord> {
    if (isGuid(nameOrId)) {
      const id = nameOrId.toLowerCase();
      const byId = await this.store.directory.getPrincipal(tenantId, id);
      const byAppId = byId ?? (await this.store.directory.findPrincipalByAppId(id));
      if (byAppId !== undefined && byAppId.tenantId === tenantId && (kind === undefined || byAppId.kind === kind)) {
        return byAppId;
      }
    }
    const byUpn = await this.store.directory.findPrincipalByUserPrincipalName(tenantId, nameOrId);
    if (byUpn !== undefined && (kind === undefined || kind === "user")) return byUpn;
    const lowered = nameOrId.toLowerCase();
    const matches = (await this.store.directory.listPrincipals(tenantId, kind)).filter(
      (p) =>
        p.displayName.toLowerCase() === lowered ||
        (p.userPrincipalName !== null && p.userPrincipalName.toLowerCase().split("@")[0] === lowered),
    );
    if (matches.length > 1) {
      throw badParameter("principal", `'${echo(nameOrId)}' names ${matches.length} principals; use an object id`);
    }
    const [match] = matches;
    if (match === undefined) throw new KeyholdError("NotFound", `No principal named '${echo(nameOrId)}' exists in this tenant.`);
    return match;
  }

  async listPrincipals(tenantId: string, kind?: PrincipalKind): Promise<PrincipalRecord[]> {
    return this.store.directory.listPrincipals(tenantId, kind);
  }

  async updatePrincipal(tenantId: string, id: string, update: PrincipalUpdate): Promise<PrincipalRecord> {
    const principal = await this.getPrincipal(tenantId, id);
    if (update.password !== undefined && principal.kind !== "user") {
      throw badParameter("passwordProfile", "only users have passwords");
    }
    await this.store.directory.updatePrincipal(
      tenantId,
      principal.id,
      {
        ...(update.displayName === undefined ? {} : { displayName: requireDisplayName("displayName", update.displayName) }),
        ...(update.enabled === undefined ? {} : { enabled: update.enabled }),
        ...(update.password === undefined
          ? {}
          : { passwordHash: await hashPassword(requirePassword("passwordProfile.password", update.password), this.scrypt) }),
      },
      this.now(),
    );
    return this.getPrincipal(tenantId, principal.id);
  }

  async setEnabled(tenantId: string, id: string, enabled: boolean): Promise<PrincipalRecord> {
    return this.updatePrincipal(tenantId, id, { enabled });
  }

  async deletePrincipal(tenantId: string, id: string): Promise<void> {
    const principal = await this.getPrincipal(tenantId, id);
    await this.store.directory.deletePrincipal(tenantId, principal.id);
  }

  /** Refuses a member that would make the group contain itself, directly or through other groups. */
  async addMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const group = await tx.directory.getPrincipal(tenantId, groupId.toLowerCase());
      if (group === undefined || group.kind !== "group") {
        throw new KeyholdError("NotFound", `No group with id '${echo(groupId)}' exists in this tenant.`);
      }
      const member = await tx.directory.getPrincipal(tenantId, memberId.toLowerCase());
      if (member === undefined) {
        throw new KeyholdError("NotFound", `No principal with id '${echo(memberId)}' exists in this tenant.`);
      }
      if (member.id === group.id) throw badParameter("member", "a group cannot be a member of itself");
      if (member.kind === "group") {
        const containingGroup = await this.allContainingGroups(tx.directory, group.id);
        if (containingGroup.has(member.id)) {
          throw badParameter("member", "this membership would make a cycle: the group is already inside the member");
        }
      }
      if (!(await tx.directory.addMembership(group.id, member.id))) {
        throw new KeyholdError("Conflict", "The principal is already a member of this group.");
      }
    });
  }

  async removeMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    const group = await this.getPrincipal(tenantId, groupId, "group");
    if (!(await this.store.directory.removeMembership(group.id, memberId.toLowerCase()))) {
      throw new KeyholdError("NotFound", "The principal is not a direct member of this group.");
    }
  }

  async listMembers(tenantId: string, groupId: string): Promise<PrincipalRecord[]> {
    const group = await this.getPrincipal(tenantId, groupId, "group");
    const members = await Promise.all(
      (await this.store.directory.listMemberIds(group.id)).map((id) => this.store.directory.getPrincipal(tenantId, id)),
    );
    return members.filter((m): m is PrincipalRecord => m !== undefined);
  }

  async addDirectoryAdministrator(tenantId: string, principalId: string): Promise<void> {
    const principal = await this.getPrincipal(tenantId, principalId);
    await this.store.directory.addDirectoryAdministrator(tenantId, principal.id);
  }

  async removeDirectoryAdministrator(tenantId: string, principalId: string): Promise<void> {
    if (!(await this.store.directory.removeDirectoryAdministrator(tenantId, principalId.toLowerCase()))) {
      throw new KeyholdError("NotFound", "The principal is not a directory administrator of this tenant.");
    }
  }

  /** True when the principal, enabled now, is an administrator directly or through an enabled group. */
  async isDirectoryAdministrator(tenantId: string, oid: string): Promise<boolean> {
    const caller = await this.resolveCaller(tenantId, oid).catch(() => undefined);
    if (caller === undefined) return false;
    const administrators = new Set(await this.store.directory.listDirectoryAdministrators(tenantId));
    return administrators.has(caller.oid) || caller.groupIds.some((id) => administrators.has(id));
  }

  /**
   * The caller as it is NOW: refused when it does not exist, is disabled or
   * is a group; groups resolved transitively from the store on every call.
   */
  async resolveCaller(tenantId: string, oid: string): Promise<Caller> {
    // Answers are kept only while the store's generation stands still: any
    // change to a principal, a membership or an assignment, by any process,
    // moves it, so a disabled principal is refused on its very next call.
    return this.callers.getOrLoad(`${tenantId}/${oid.toLowerCase()}`, () => this.lookUpCaller(tenantId, oid));
  }

  private async lookUpCaller(tenantId: string, oid: string): Promise<Caller> {
    const principal = isGuid(oid) ? await this.store.directory.getPrincipal(tenantId, oid.toLowerCase()) : undefined;
    if (principal === undefined) {
      throw new KeyholdError("Unauthorized", `The principal ${echo(oid)} does not exist in tenant ${echo(tenantId)}.`);
    }
    if (!principal.enabled) throw new KeyholdError("Unauthorized", `The principal ${principal.id} is disabled.`);
    if (principal.kind === "group") throw new KeyholdError("Unauthorized", "A group cannot sign in.");
    const groupIds = await this.store.directory.listTransitiveGroupIds(principal.id);
    return {
      oid: principal.id,
      tid: principal.tenantId,
      kind: principal.kind,
      displayName: principal.displayName,
      ...(principal.userPrincipalName === null ? {} : { upn: principal.userPrincipalName }),
      ...(principal.appId === null ? {} : { appid: principal.appId }),
      groupIds,
    };
  }

  /** The user when the password is right; undefined otherwise (whether the user exists or not). */
  async authenticateUser(tenantId: string, userPrincipalName: string, password: string): Promise<PrincipalRecord | undefined> {
    const user = await this.store.directory.findPrincipalByUserPrincipalName(tenantId, userPrincipalName);
    if (user === undefined || user.passwordHash === null) return verifyAgainstNothing(password).then(() => undefined);
    return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
  }

  private async insert(
    tenantId: string,
    kind: PrincipalKind,
    fields: { displayName: string; userPrincipalName?: string; appId?: string; passwordHash?: string; enabled?: boolean | undefined },
  ): Promise<PrincipalRecord> {
    const tenant = await this.getTenant(tenantId);
    const now = this.now();
    const record: PrincipalRecord = {
      id: newObjectId(),
      tenantId: tenant.id,
      kind,
      displayName: fields.displayName,
      userPrincipalName: fields.userPrincipalName ?? null,
      appId: fields.appId ?? null,
      enabled: fields.enabled ?? true,
      passwordHash: fields.passwordHash ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.directory.insertPrincipal(record);
    return record;
  }

  /** Every group containing groupId, through any groups, enabled or not (a cycle is a cycle either way). */
  private async allContainingGroups(directory: Store["directory"], groupId: string): Promise<Set<string>> {
    const seen = new Set<string>();
    const pending = [groupId];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      for (const parent of await directory.listDirectGroupIds(id)) {
        if (!seen.has(parent)) {
          seen.add(parent);
          pending.push(parent);
        }
      }
    }
    return seen;
  }
}
