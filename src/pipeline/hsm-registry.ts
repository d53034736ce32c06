/**
 * The HSMs this node serves, as the pipeline needs them: identity, state,
 * network rules and the tenant they belong to. Until the management plane
 * exists, HSMs are declared in configuration (StaticHsmRegistry).
 */
import { echo, KeyholdError } from "../errors.js";

export type ActivationStatus = "Activated" | "NotActivated" | "Restoring";

export interface NetworkAcls {
  /** "Allow" (default) or "Deny": with Deny only ipRules (and loopback when public access is off) pass. */
  readonly defaultAction: "Allow" | "Deny";
  /** IPv4 or IPv6 addresses or CIDR ranges. */
  readonly ipRules: readonly string[];
}

export interface HsmRuntime {
  /** Stable id (GUID); local RBAC, keys and journals are keyed by it. */
  readonly id: string;
  readonly name: string;
  /** The ARM resource id, as audit records name it. */
  readonly resourceId: string;
  readonly tenantId: string;
  readonly activation: ActivationStatus;
  readonly networkAcls: NetworkAcls;
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly initialAdminObjectIds: readonly string[];
  /** Days a deleted key stays recoverable (7 to 90). */
  readonly softDeleteRetentionInDays: number;
  /** When on, a deleted key cannot be purged before its retention has passed; irreversible. */
  readonly enablePurgeProtection: boolean;
  /** The host in key ids: `https://<hsmUriHost>/keys/<name>/<version>`. */
  readonly hsmUriHost: string;
}

export interface HsmRegistry {
  /** The HSM called `name`; with no name, the only HSM when exactly one exists. */
  resolve(name: string | undefined): Promise<HsmRuntime>;
  list(): Promise<readonly HsmRuntime[]>;
  /** Records that the HSM's security domain was downloaded (SPEC section 8); the next call sees it. */
  markActivated(hsmId: string): Promise<void>;
}

export function hsmNotFound(name: string | undefined): KeyholdError {
  return name === undefined
    ? new KeyholdError("HsmNotFound", "x-hsm-name is required: this server hosts more than one HSM (or none).")
    : new KeyholdError("HsmNotFound", `HSM '${echo(name)}' does not exist on this server.`);
}

/** The most host names one refusal lists; the rest are counted. */
const LISTED_HOSTS = 10;

/** A call by host name that named no HSM on a server with several: which host names to call instead. */
export function hsmHostRequired(hosts: readonly string[]): KeyholdError {
  const listed = hosts
    .slice(0, LISTED_HOSTS)
    .map((host) => `https://${host}`)
    .join(", ");
  const more = hosts.length > LISTED_HOSTS ? ` and ${hosts.length - LISTED_HOSTS} more` : "";
  return new KeyholdError(
    "HsmNotFound",
    `This server hosts ${hosts.length} HSMs, so the host name must name one ({hsm}.{dnsSuffix}): call ${listed}${more}, or send the x-hsm-name header.`,
  );
}

export class StaticHsmRegistry implements HsmRegistry {
  readonly #byName = new Map<string, HsmRuntime>();

  constructor(hsms: readonly HsmRuntime[]) {
    for (const hsm of hsms) this.#byName.set(hsm.name.toLowerCase(), hsm);
  }

  async resolve(name: string | undefined): Promise<HsmRuntime> {
    if (name === undefined || name === "") {
      if (this.#byName.size === 1) return [...this.#byName.values()][0]!;
      throw hsmNotFound(undefined);
    }
    const hsm = this.#byName.get(name.toLowerCase());
    if (hsm === undefined) throw hsmNotFound(name);
    return hsm;
  }

  async list(): Promise<readonly HsmRuntime[]> {
    return [...this.#byName.values()];
  }

  /** Replaces one HSM's record (activation, network rules); takes effect on the next call. */
  put(hsm: HsmRuntime): void {
    this.#byName.set(hsm.name.toLowerCase(), hsm);
  }

  async markActivated(hsmId: string): Promise<void> {
    const hsm = [...this.#byName.values()].find((h) => h.id === hsmId);
    if (hsm === undefined) throw hsmNotFound(hsmId);
    this.put({ ...hsm, activation: "Activated" });
  }
}
