/**
 * The HSMs this node serves: those the management plane created (read from the store when its generation moved, so a
 * delete, a network-rule change or an activation on any node takes effect on the next call) plus those declared in
 * configuration. A configured HSM's settings come from configuration (StaticHsmRegistry, in memory); its activation
 * (a restore in progress, an upload that activated it) is kept in the store too, read the same way, so that every
 * node honours it on its next call (SPEC section 14). Until one is stored, the configured activation holds.
 */
import { hsmNotFound, StaticHsmRegistry, type ActivationStatus, type HsmRegistry, type HsmRuntime } from "../pipeline/hsm-registry.js";
import { GenerationCache } from "../store/generation-cache.js";
import type { ManagedHsmRecord, Store } from "../store/index.js";
import { managedHsmId } from "../arm/arm-ids.js";

/** The host in key ids and the ARM `hsmUri`, as Managed HSM names it (`<name>.managedhsm.azure.net`). */
const defaultHsmUriHost = (name: string): string => `${name}.managedhsm.keyhold.local`;

export interface StoreHsmRegistryOptions {
  readonly store: Store;
  /** HSMs from configuration; their names cannot be taken by the management plane. */
  readonly configured?: readonly HsmRuntime[];
  readonly hsmUriHost?: (name: string) => string;
  /** The ARM `hsmUri`: where the Key Vault door answers (`https://<hsmUriHost>[:port]/`). */
  readonly vaultUrl?: (name: string) => string;
}

/** Whether the data plane serves the HSM: created to the end and not soft-deleted. */
function isServed(record: ManagedHsmRecord): boolean {
  return record.deletedAt === undefined && record.provisioningState === "Succeeded";
}

export class StoreHsmRegistry implements HsmRegistry {
  readonly #store: Store;
  readonly #configured: StaticHsmRegistry;
  readonly #configuredNames: Set<string>;
  readonly #hsmUriHost: (name: string) => string;
  readonly #vaultUrl: (name: string) => string;
  /** One runtime object per record version, so per-object caches (compiled ip rules) survive between calls. */
  readonly #runtimes = new Map<string, { readonly version: string; readonly runtime: HsmRuntime }>();
  /** Served HSMs by name, as of the store's generation (any change to managed_hsms moves it). */
  readonly #byName: GenerationCache<HsmRuntime | undefined>;
  /** Stored activations of configured HSMs by id, as of the generation; null when none is stored (cached too). */
  readonly #configuredActivations: GenerationCache<ActivationStatus | null>;
  /** A configured HSM with its stored activation: one object per configured runtime and activation. */
  readonly #withStoredActivation = new Map<string, { readonly configured: HsmRuntime; readonly runtime: HsmRuntime }>();

  constructor(options: StoreHsmRegistryOptions) {
    this.#store = options.store;
    this.#configured = new StaticHsmRegistry(options.configured ?? []);
    this.#configuredNames = new Set((options.configured ?? []).map((hsm) => hsm.name.toLowerCase()));
    this.#hsmUriHost = options.hsmUriHost ?? defaultHsmUriHost;
    this.#vaultUrl = options.vaultUrl ?? ((name) => `https://${this.#hsmUriHost(name)}/`);
    this.#byName = new GenerationCache(this.#store);
    this.#configuredActivations = new GenerationCache(this.#store);
  }

  /** Adds or replaces a configured HSM (tests and configuration reloads); the next call sees it. */
  putConfigured(hsm: HsmRuntime): void {
    this.#configured.put(hsm);
    this.#configuredNames.add(hsm.name.toLowerCase());
  }

  isConfigured(name: string): boolean {
    return this.#configuredNames.has(name.toLowerCase());
  }

  vaultUrl(name: string): string {
    return this.#vaultUrl(name);
  }

  async resolve(name: string | undefined): Promise<HsmRuntime> {
    if (name === undefined || name === "") {
      const all = await this.list();
      if (all.length === 1) return all[0]!;
      throw hsmNotFound(undefined);
    }
    if (this.isConfigured(name)) return this.#configuredRuntime(await this.#configured.resolve(name));
    const runtime = await this.#byName.getOrLoad(name, async () => {
      const record = await this.#store.management.findManagedHsmByName(name);
      return record !== undefined && isServed(record) ? this.#runtime(record) : undefined;
    });
    if (runtime === undefined) throw hsmNotFound(name);
    return runtime;
  }

  async list(): Promise<readonly HsmRuntime[]> {
    const stored = await this.#store.management.listManagedHsms({ deleted: false });
    const configured = await Promise.all((await this.#configured.list()).map((hsm) => this.#configuredRuntime(hsm)));
    return [...configured, ...stored.filter(isServed).map((record) => this.#runtime(record))];
  }

  /** Marks an HSM as being restored (every other data-plane call is refused) or serves it again. */
  setRestoring(hsmId: string, on: boolean): Promise<void> {
    return this.#setActivation(hsmId, on ? "Restoring" : "Activated");
  }

  markActivated(hsmId: string): Promise<void> {
    return this.#setActivation(hsmId, "Activated");
  }

  /** In the store, for a configured HSM as for a created one, so that every node's next call sees it. */
  async #setActivation(hsmId: string, activation: "Restoring" | "Activated"): Promise<void> {
    const configured = (await this.#configured.list()).some((hsm) => hsm.id === hsmId);
    if (configured) return this.#store.management.putConfiguredHsmActivation(hsmId, activation, Date.now());
    const updated = await this.#store.management.updateManagedHsm(hsmId, { activation, updatedAt: Date.now() });
    if (!updated) throw hsmNotFound(hsmId);
  }

  /** The configured HSM with the activation the store holds for it, if any. */
  async #configuredRuntime(configured: HsmRuntime): Promise<HsmRuntime> {
    const stored = await this.#configuredActivations.getOrLoad(
      configured.id,
      async () => (await this.#store.management.getConfiguredHsmActivation(configured.id)) ?? null,
    );
    if (stored === null || stored === configured.activation) return configured;
    const cached = this.#withStoredActivation.get(configured.id);
    if (cached !== undefined && cached.configured === configured && cached.runtime.activation === stored) return cached.runtime;
    const runtime: HsmRuntime = Object.freeze({ ...configured, activation: stored });
    this.#withStoredActivation.set(configured.id, { configured, runtime });
    return runtime;
  }

  #runtime(record: ManagedHsmRecord): HsmRuntime {
    // Everything the runtime is made of: two updates within one millisecond must not share a version.
    const version = JSON.stringify([record.updatedAt, record.activation, record.settings, record.enablePurgeProtection]);
    const cached = this.#runtimes.get(record.hsmId);
    if (cached !== undefined && cached.version === version) return cached.runtime;
    const runtime: HsmRuntime = Object.freeze({
      id: record.hsmId,
      name: record.name,
      resourceId: managedHsmId(record),
      tenantId: record.tenantId,
      activation: record.activation,
      networkAcls: Object.freeze({
        defaultAction: record.settings.networkAcls.defaultAction,
        ipRules: record.settings.networkAcls.ipRules,
      }),
      publicNetworkAccess: record.settings.publicNetworkAccess,
      initialAdminObjectIds: record.settings.initialAdminObjectIds,
      softDeleteRetentionInDays: record.softDeleteRetentionInDays,
      enablePurgeProtection: record.enablePurgeProtection,
      hsmUriHost: this.#hsmUriHost(record.name),
    });
    this.#runtimes.set(record.hsmId, { version, runtime });
    return runtime;
  }
}
