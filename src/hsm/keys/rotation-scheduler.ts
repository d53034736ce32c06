/**
 * Carries out rotation policies without any client (SPEC section 4), and
 * purges deleted keys whose retention has passed. Each tick looks at every
 * active key with a policy on every HSM this node serves: a due Rotate
 * action adds a version (RotateKey); a due Notify action is reported once
 * per version. What a tick did is returned by `runOnce` and handed to
 * `onOutcome`, which the server points at the audit sink (operation
 * "KeyRotate" / "KeyPurge" with the system as the identity).
 *
 * Several nodes may share the store (SPEC section 14): a tick runs only on the
 * node that holds the store's "key-maintenance" claim (`claim`), which passes
 * to another node when its holder stops renewing it. A rotation also adds its
 * version only while the due version is still the latest, so even two ticks
 * that overlap (a holder that stalled past its lease) rotate a key once.
 */
import type { Store } from "../../store/index.js";
import type { HsmRegistry } from "../../pipeline/hsm-registry.js";
import type { KeyService } from "./key-service.js";
import { dueAt, type RotationPolicyInput } from "./rotation.js";

type MaintenanceAction = "Rotate" | "Notify" | "Purge";

export interface MaintenanceOutcome {
  readonly action: MaintenanceAction;
  readonly hsmId: string;
  readonly keyName: string;
  /** Rotate: the new version; Notify: the version that is due. */
  readonly keyVersion?: string;
  readonly kid?: string;
  /** Set when the action failed; the message is safe to record. */
  readonly error?: string;
}

export interface RotationSchedulerOptions {
  readonly service: KeyService;
  readonly store: Store;
  readonly hsms: HsmRegistry;
  /** Milliseconds since the epoch; the same clock as the service's. */
  readonly now?: () => number;
  readonly onOutcome?: (outcome: MaintenanceOutcome) => void | Promise<void>;
  /** A tick that failed as a whole (e.g. the store was unavailable); the next tick tries again. */
  readonly onError?: (error: unknown) => void;
  /** Whether this node may run the tick now (holds the maintenance claim); absent: always. */
  readonly claim?: () => Promise<boolean>;
}

export class RotationScheduler {
  readonly #options: RotationSchedulerOptions;
  readonly #now: () => number;
  /** Versions already notified, so a Notify action is reported once per version. */
  readonly #notified = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: RotationSchedulerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async runOnce(now: number = this.#now()): Promise<MaintenanceOutcome[]> {
    const seconds = Math.floor(now / 1000);
    const outcomes: MaintenanceOutcome[] = [];
    if (this.#options.claim !== undefined && !(await this.#options.claim())) return outcomes;
    const hsms = new Map((await this.#options.hsms.list()).map((hsm) => [hsm.id, hsm]));
    for (const key of await this.#options.store.keys.listWithRotationPolicy()) {
      const hsm = hsms.get(key.hsmId);
      const latest = hsm === undefined ? undefined : await this.#options.store.keys.latestVersion(key.hsmId, key.name);
      if (hsm === undefined || latest === undefined || key.rotationPolicy === undefined) continue;
      const policy = JSON.parse(key.rotationPolicy) as RotationPolicyInput;
      for (const action of policy.lifetimeActions) {
        const due = dueAt(action, latest);
        if (due === undefined || due > seconds) continue;
        const base = { action: action.action, hsmId: key.hsmId, keyName: key.name };
        if (action.action === "Notify") {
          const marker = `${key.hsmId}/${key.name}/${latest.version}`;
          if (this.#notified.has(marker)) continue;
          this.#notified.add(marker);
          outcomes.push({ ...base, keyVersion: latest.version });
          continue;
        }
        try {
          const bundle = await this.#options.service.rotateIfLatest(hsm, key.name, latest.version);
          if (bundle === undefined) continue;
          outcomes.push({ ...base, keyVersion: bundle.kid.slice(bundle.kid.lastIndexOf("/") + 1), kid: bundle.kid });
        } catch (error) {
          // Two nodes' transactions that both saw the due version: the slower one's insert collides with the
          // faster one's version. The key was rotated once, which is no failure.
          const now = await this.#options.store.keys.latestVersion(key.hsmId, key.name).catch(() => undefined);
          if (now !== undefined && now.version !== latest.version) continue;
          outcomes.push({ ...base, error: error instanceof Error ? error.message : "rotation failed" });
        }
      }
    }
    for (const purged of await this.#options.service.purgeExpired()) {
      outcomes.push({ action: "Purge", hsmId: purged.hsmId, keyName: purged.name });
    }
    for (const outcome of outcomes) await this.#options.onOutcome?.(outcome);
    return outcomes;
  }

  /** Ticks every `intervalMs` (never two ticks at once); a failing tick is retried on the next. */
  start(intervalMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running !== undefined) return;
      this.#running = this.runOnce()
        .catch((error: unknown) => this.#options.onError?.(error))
        .finally(() => {
          this.#running = undefined;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
