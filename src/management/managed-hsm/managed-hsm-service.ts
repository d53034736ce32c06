/**
 * The managed HSM lifecycle (SPEC sections 7 and 8): create (NotActivated, with its own domain secret and its
 * initial administrators as Managed HSM Administrators at "/" of its LOCAL RBAC), update, soft delete (the data plane
 * refuses at once: the registry reads the store on every call), recover, and purge (under purge protection only
 * after the retention). A name stays taken while its HSM is soft-deleted.
 */
import { randomUUID } from "node:crypto";
import { isRecord } from "../../is-record.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { ensureHsmDomain, type NodeSeal } from "../../hsm/keys/index.js";
import type { Caller } from "../../identity/index.js";
import { ensureAssignments } from "../../hsm/initial-admins.js";
import type { ManagedHsmPatch, ManagedHsmRecord, Store } from "../../store/index.js";
import { hsmNameParam, inResourceGroup, managedHsmId, resourceGroupNameParam, sameId, subscriptionIdParam } from "../../arm/arm-ids.js";
import { resourceNotFound } from "../arm-errors.js";
import { accepted, ok, type ArmReply } from "../arm-reply.js";
import type { LongRunningOperations } from "../long-running.js";
import { requireResourceGroup, requireSubscription } from "../scope-records.js";
import type { StoreHsmRegistry } from "../store-hsm-registry.js";
import type { HsmCreateInput, HsmPatchInput } from "./hsm-input.js";
import { deletedManagedHsmResource, managedHsmResource, retentionEnd } from "./hsm-resource.js";

export interface HsmTarget {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** The HSM addressed by the route's parameters (`subscriptionId`, `resourceGroupName`, `name`). */
export function hsmTarget(input: Readonly<Record<string, unknown>>): HsmTarget {
  return {
    subscriptionId: subscriptionIdParam(input["subscriptionId"]),
    resourceGroup: resourceGroupNameParam(input["resourceGroupName"]),
    name: hsmNameParam(input["name"]),
  };
}

export interface ManagedHsmServiceDeps {
  readonly store: Store;
  readonly seal: NodeSeal;
  readonly registry: StoreHsmRegistry;
  readonly operations: LongRunningOperations;
  readonly now: () => number;
}

export class ManagedHsmService {
  readonly #deps: ManagedHsmServiceDeps;

  constructor(deps: ManagedHsmServiceDeps) {
    this.#deps = deps;
  }

  render(record: ManagedHsmRecord): Record<string, unknown> {
    return managedHsmResource(record, this.#deps.registry.vaultUrl(record.name));
  }

  /**
   * `checkMhsmNameAvailability`: whether `name` may be given to a new HSM. Names are unique on this server, across
   * subscriptions (they address the data plane), and a soft-deleted HSM keeps its name until it is purged.
   */
  async nameAvailability(subscriptionId: string, name: string): Promise<NameAvailability> {
    await requireSubscription(this.#deps.store, subscriptionId);
    try {
      hsmNameParam(name);
    } catch (error) {
      if (!(error instanceof KeyholdError)) throw error;
      const problem = error.message.replace(/^name: /, "");
      return {
        nameAvailable: false,
        reason: "Invalid",
        message: `The name is invalid: it ${problem.startsWith("'") ? "is reserved" : problem}.`,
      };
    }
    const existing = this.#deps.registry.isConfigured(name) ? true : await this.#deps.store.management.findManagedHsmByName(name);
    if (existing === undefined) return { nameAvailable: true };
    const softDeleted = existing !== true && existing.deletedAt !== undefined;
    return {
      nameAvailable: false,
      reason: "AlreadyExists",
      message: softDeleted
        ? `The name '${name}' is held by a soft-deleted managed HSM until it is purged.`
        : `The name '${name}' is already in use.`,
    };
  }

  async createOrUpdate(target: HsmTarget, input: HsmCreateInput, caller: Caller): Promise<ArmReply> {
    const { store } = this.#deps;
    await requireSubscription(store, target.subscriptionId);
    await requireResourceGroup(store, target.subscriptionId, target.resourceGroup);
    if (this.#deps.registry.isConfigured(target.name)) {
      throw new KeyholdError("Conflict", `The name '${target.name}' is used by an HSM declared in this server's configuration.`);
    }
    const existing = await store.management.findManagedHsmByName(target.name);
    if (input.createMode === "recover") return this.#recover(target, existing);
    if (existing !== undefined && existing.deletedAt !== undefined) {
      throw new KeyholdError(
        "Conflict",
        `The name '${target.name}' is held by a soft-deleted managed HSM: recover it (createMode "recover") or purge it first.`,
      );
    }
    if (existing !== undefined && !inResourceGroup(existing, target)) {
      throw new KeyholdError("Conflict", `The name '${target.name}' is already in use by another managed HSM.`);
    }
    if (input.tenantId !== caller.tid.toLowerCase()) {
      throw badParameter("properties.tenantId", "must be the tenant of the caller's directory");
    }
    if (existing !== undefined) return this.#replace(existing, input);
    return this.#create(target, input);
  }

  async #create(target: HsmTarget, input: HsmCreateInput): Promise<ArmReply> {
    const { store, now } = this.#deps;
    const created = now();
    const record: ManagedHsmRecord = {
      hsmId: randomUUID(),
      subscriptionId: target.subscriptionId,
      resourceGroup: target.resourceGroup,
      name: target.name,
      tenantId: input.tenantId ?? "",
      location: input.location,
      sku: input.sku,
      tags: input.tags,
      settings: {
        initialAdminObjectIds: input.initialAdminObjectIds,
        publicNetworkAccess: input.publicNetworkAccess,
        networkAcls: input.networkAcls,
      },
      softDeleteRetentionInDays: input.softDeleteRetentionInDays,
      enablePurgeProtection: input.enablePurgeProtection,
      provisioningState: "Provisioning",
      activation: "NotActivated",
      deletedAt: undefined,
      scheduledPurgeAt: undefined,
      createdAt: created,
      updatedAt: created,
    };
    // The resource and its administrators' local assignments appear together or not at all.
    await store.transaction(async (tx) => {
      await tx.management.insertManagedHsm(record);
      await ensureAssignments(tx, record.hsmId, input.initialAdminObjectIds);
    });
    const resourceId = managedHsmId(target);
    const operation = await this.#deps.operations.run(
      { subscriptionId: target.subscriptionId, location: record.location, resourceId },
      async () => {
        try {
          await ensureHsmDomain(store, this.#deps.seal, record.hsmId, now);
        } catch (error) {
          await store.management.updateManagedHsm(record.hsmId, { provisioningState: "Failed", updatedAt: now() });
          throw error;
        }
        await store.management.updateManagedHsm(record.hsmId, { provisioningState: "Succeeded", updatedAt: now() });
      },
    );
    return accepted(this.render(await this.#current(record.hsmId, target)), operation.pollPath);
  }

  /** A PUT on an existing HSM: the mutable properties change, the immutable ones must stay as they are. */
  async #replace(existing: ManagedHsmRecord, input: HsmCreateInput): Promise<ArmReply> {
    if (input.location !== existing.location.toLowerCase()) throw badParameter("location", "cannot be changed after creation");
    if (input.sku.name !== existing.sku.name) throw badParameter("sku.name", "cannot be changed after creation");
    return this.#applyPatch(existing, {
      unchanged: [],
      tags: input.tags,
      enablePurgeProtection: input.enablePurgeProtection,
      softDeleteRetentionInDays: input.softDeleteRetentionInDays,
      publicNetworkAccess: input.publicNetworkAccess,
      networkAcls: input.networkAcls,
    });
  }

  async #recover(target: HsmTarget, existing: ManagedHsmRecord | undefined): Promise<ArmReply> {
    if (existing === undefined || existing.deletedAt === undefined || !inResourceGroup(existing, target)) {
      throw new KeyholdError(
        "NotFound",
        `No soft-deleted managed HSM named '${target.name}' exists in resource group '${target.resourceGroup}'.`,
      );
    }
    const { store, now } = this.#deps;
    const resourceId = managedHsmId(target);
    const operation = await this.#deps.operations.run(
      { subscriptionId: target.subscriptionId, location: existing.location, resourceId },
      async () => {
        await store.management.updateManagedHsm(existing.hsmId, { deletedAt: undefined, scheduledPurgeAt: undefined, updatedAt: now() });
      },
    );
    return accepted(this.render(await this.#current(existing.hsmId, target)), operation.pollPath);
  }

  async get(target: HsmTarget): Promise<ManagedHsmRecord> {
    const record = await this.#deps.store.management.findManagedHsmByName(target.name);
    if (record === undefined || record.deletedAt !== undefined || !inResourceGroup(record, target))
      throw resourceNotFound(managedHsmId(target));
    return record;
  }

  async update(target: HsmTarget, patch: HsmPatchInput): Promise<ArmReply> {
    return this.#applyPatch(await this.get(target), patch);
  }

  async #applyPatch(existing: ManagedHsmRecord, patch: HsmPatchInput): Promise<ArmReply> {
    if (patch.unchanged.length > 0) {
      const current = this.render(existing);
      for (const { field, value } of patch.unchanged) {
        if (!sameAsStored(value, valueAt(current, field))) {
          throw badParameter(field, "cannot be changed after creation: send it as GET returns it, or leave it out");
        }
      }
    }
    if (patch.enablePurgeProtection === false && existing.enablePurgeProtection) {
      throw badParameter("properties.enablePurgeProtection", "cannot be turned off once enabled");
    }
    if (patch.softDeleteRetentionInDays !== undefined && patch.softDeleteRetentionInDays !== existing.softDeleteRetentionInDays) {
      throw badParameter("properties.softDeleteRetentionInDays", "cannot be changed after creation");
    }
    const change: ManagedHsmPatch = {
      ...(patch.tags === undefined ? {} : { tags: patch.tags }),
      ...(patch.enablePurgeProtection === true ? { enablePurgeProtection: true } : {}),
      settings: {
        ...existing.settings,
        ...(patch.publicNetworkAccess === undefined ? {} : { publicNetworkAccess: patch.publicNetworkAccess }),
        ...(patch.networkAcls === undefined ? {} : { networkAcls: patch.networkAcls }),
      },
      updatedAt: this.#deps.now(),
    };
    await this.#deps.store.management.updateManagedHsm(existing.hsmId, change);
    return ok(this.render(await this.#current(existing.hsmId, existing)));
  }

  async delete(target: HsmTarget): Promise<ArmReply> {
    const existing = await this.get(target);
    const { store, now } = this.#deps;
    const resourceId = managedHsmId(target);
    const operation = await this.#deps.operations.run(
      { subscriptionId: target.subscriptionId, location: existing.location, resourceId },
      async () => {
        const deletedAt = now();
        await store.management.updateManagedHsm(existing.hsmId, {
          deletedAt,
          scheduledPurgeAt: retentionEnd(existing, deletedAt),
          updatedAt: deletedAt,
        });
      },
    );
    return accepted(undefined, operation.pollPath);
  }

  async list(filter: { readonly subscriptionId: string; readonly resourceGroup?: string }): Promise<Record<string, unknown>> {
    const records = await this.#deps.store.management.listManagedHsms({ deleted: false, ...filter });
    return { value: records.map((record) => this.render(record)) };
  }

  async listDeleted(subscriptionId: string): Promise<Record<string, unknown>> {
    const records = await this.#deps.store.management.listManagedHsms({ deleted: true, subscriptionId });
    return { value: records.map(deletedManagedHsmResource) };
  }

  async getDeleted(subscriptionId: string, location: string, name: string): Promise<ManagedHsmRecord> {
    const record = await this.#deps.store.management.findManagedHsmByName(name);
    if (
      record === undefined ||
      record.deletedAt === undefined ||
      !sameId(record.subscriptionId, subscriptionId) ||
      !sameId(record.location, location)
    ) {
      throw new KeyholdError(
        "NotFound",
        `No soft-deleted managed HSM named '${name}' exists in location '${location}' of subscription ${subscriptionId}.`,
      );
    }
    return record;
  }

  async purge(subscriptionId: string, location: string, name: string): Promise<ArmReply> {
    const record = await this.getDeleted(subscriptionId, location, name);
    const { store, now } = this.#deps;
    const purgeableAt = record.scheduledPurgeAt ?? retentionEnd(record, record.deletedAt ?? now());
    if (record.enablePurgeProtection && now() < purgeableAt) {
      throw new KeyholdError(
        "Conflict",
        `Purge protection is on for '${name}': it cannot be purged before ${new Date(purgeableAt).toISOString()}.`,
      );
    }
    const resourceId = managedHsmId(record);
    const operation = await this.#deps.operations.run({ subscriptionId, location, resourceId }, async () => {
      await purgeRecord(store, record);
    });
    return accepted(undefined, operation.pollPath);
  }

  /**
   * Purges every soft-deleted HSM whose retention has passed, as Azure does at the scheduled purge date; the node
   * holding the store's purge claim calls it (SPEC section 14). Returns the HSMs this call purged: of two nodes
   * purging one HSM, the store's purge removes it for one of them.
   */
  async purgeExpired(): Promise<ManagedHsmRecord[]> {
    const now = this.#deps.now();
    const purged: ManagedHsmRecord[] = [];
    for (const record of await this.#deps.store.management.listManagedHsms({ deleted: true })) {
      if ((record.scheduledPurgeAt ?? retentionEnd(record, record.deletedAt ?? now)) > now) continue;
      if (await purgeRecord(this.#deps.store, record)) purged.push(record);
    }
    return purged;
  }

  async #current(hsmId: string, target: HsmTarget): Promise<ManagedHsmRecord> {
    const record = await this.#deps.store.management.getManagedHsm(hsmId);
    if (record === undefined) throw resourceNotFound(managedHsmId(target));
    return record;
  }
}

/** The answer of checkMhsmNameAvailability (ARM's CheckMhsmNameAvailabilityResult). */
export interface NameAvailability {
  readonly nameAvailable: boolean;
  readonly reason?: "AlreadyExists" | "Invalid";
  readonly message?: string;
}

function valueAt(resource: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), resource);
}

/**
 * Whether a value a PATCH body repeats equals the stored one: names and ids compare case-insensitively (ARM ids do),
 * lists as sets, and an object may leave out members (a `sku` without its implied `family`).
 */
function sameAsStored(given: unknown, stored: unknown): boolean {
  if (typeof given === "string" && typeof stored === "string") return given.toLowerCase() === stored.toLowerCase();
  if (Array.isArray(given) && Array.isArray(stored)) {
    const key = (list: unknown[]): string => JSON.stringify(list.map((v) => (typeof v === "string" ? v.toLowerCase() : v)).sort());
    return given.length === stored.length && key(given) === key(stored);
  }
  if (isRecord(given) && isRecord(stored)) return Object.entries(given).every(([k, v]) => sameAsStored(v, stored[k]));
  return given === stored;
}

/** Removes the HSM forever with its data plane, and the management role assignments at its scope; false when gone. */
async function purgeRecord(store: Store, record: ManagedHsmRecord): Promise<boolean> {
  const resourceId = managedHsmId(record).toLowerCase();
  return store.transaction(async (tx) => {
    if (!(await tx.management.purgeManagedHsm(record.hsmId))) return false;
    // Assignments at the HSM's scope would otherwise grant on a new HSM that takes the name.
    for (const assignment of await tx.management.listRoleAssignments()) {
      const scope = assignment.scope.toLowerCase();
      if (scope === resourceId || scope.startsWith(`${resourceId}/`)) await tx.management.deleteRoleAssignment(assignment.name);
    }
    return true;
  });
}
