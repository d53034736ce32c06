/**
 * Upload of a restore blob into a NotActivated HSM (SPEC section 8). Everything
 * that can refuse the blob runs before anything changes and fails the call:
 * its shape, the transfer key it was made for, each share's authentication,
 * and the reconstructed secret against the fingerprint the blob names. Only
 * then does the upload run as a job (GetStatus: InProgress, then Success or
 * Failed with a reason, the last outcome kept in the store): install the
 * secret, sealed as ensureHsmDomain seals it, only while the HSM holds no key,
 * then mark the HSM activated and discard the transfer key.
 *
 * A crash between installing the secret and activating leaves the HSM
 * NotActivated with the recovered secret and its transfer key: uploading the
 * same blob again completes the recovery.
 */
import { equalBytes } from "../../crypto/bytes.js";
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter, KeyholdError } from "../../errors.js";
import type { HsmRegistry, HsmRuntime } from "../../pipeline/hsm-registry.js";
import { sealDomainSecret, type DomainKeys } from "../keys/domain.js";
import type { NodeSeal } from "../keys/seal.js";
import type { SecurityDomainRecoveryRepository, UploadOutcome } from "./recovery-repository.js";
import { openRestoreShares, type RestoreBlob } from "./restore-blob.js";
import { combineCheckedShares } from "./open-shares.js";
import { transferPublicKey, type TransferKeys } from "./transfer-key.js";
import { changeContext } from "../../store/index.js";

export interface SecurityDomainUploadsDeps {
  readonly repository: SecurityDomainRecoveryRepository;
  readonly transferKeys: TransferKeys;
  readonly seal: NodeSeal;
  readonly hsms: Pick<HsmRegistry, "markActivated">;
  /**
   * The node's domain-key cache: read back after the install to prove it serves the recovered domain (it re-reads a
   * replaced secret by itself, on this node as on every other).
   */
  readonly domains: { get(hsmId: string): Promise<DomainKeys> };
  readonly now?: () => number;
  /** Where a job's unexpected error is reported (the outcome only says it failed). */
  readonly onError?: (error: unknown, hsmId: string) => void;
}

const INTERRUPTED = "The upload was interrupted before it finished (the server stopped); upload the restore blob again.";

export class SecurityDomainUploads {
  readonly #deps: SecurityDomainUploadsDeps;
  readonly #now: () => number;
  /** Jobs running on this node, by HSM id. */
  readonly #running = new Map<string, Promise<void>>();

  constructor(deps: SecurityDomainUploadsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Checks the blob against the HSM, then starts the job; returns once it runs (`settled` awaits its end). */
  async start(hsm: HsmRuntime, blob: RestoreBlob): Promise<UploadOutcome> {
    if (hsm.activation !== "NotActivated") {
      throw new KeyholdError(
        "OperationNotAllowed",
        `HSM '${hsm.name}' is already activated; a security domain is uploaded only into a new HSM.`,
      );
    }
    if (this.#running.has(hsm.id))
      throw new KeyholdError("Conflict", `A security domain upload into HSM '${hsm.name}' is already in progress.`);
    const transferKey = await this.#deps.transferKeys.privateKey(hsm.id);
    if (transferKey === undefined) {
      throw new KeyholdError(
        "OperationNotAllowed",
        `HSM '${hsm.name}' has no transfer key: call GetTransferKey and make the restore blob for that key.`,
      );
    }
    if (transferPublicKey(transferKey).kid !== blob.transferKeyThumbprint) {
      throw badParameter(
        "security_domain.transferKeyThumbprint",
        `the restore blob was made for another transfer key than HSM '${hsm.name}''s; make it again with this HSM's transfer key.`,
      );
    }
    if (await this.#deps.repository.hasKeys(hsm.id)) {
      throw new KeyholdError(
        "OperationNotAllowed",
        `HSM '${hsm.name}' already holds keys; a security domain is uploaded only into an HSM without keys.`,
      );
    }
    const secret = await this.#recover(blob, transferKey);
    if (this.#running.has(hsm.id)) {
      secret.fill(0);
      throw new KeyholdError("Conflict", `A security domain upload into HSM '${hsm.name}' is already in progress.`);
    }
    const outcome: UploadOutcome = {
      status: "InProgress",
      details: `Installing the security domain of HSM ${blob.sourceHsmId}.`,
      updatedAt: this.#now(),
    };
    // Registered before the first await, so a second upload on this node sees it at once.
    const recorded = this.#deps.repository.putUploadOutcome(hsm.id, outcome);
    // The installation outlives the call: its commits are the job's (the Upload record names it), not the call's change.
    const job = recorded
      .then(
        () => changeContext.exit(() => this.#apply(hsm, secret, blob)),
        () => undefined,
      )
      .finally(() => {
        secret.fill(0);
        this.#running.delete(hsm.id);
      });
    this.#running.set(hsm.id, job);
    await recorded;
    return outcome;
  }

  /** Resolves when the HSM's running job (if any) has recorded its outcome. */
  async settled(hsmId: string): Promise<void> {
    await this.#running.get(hsmId);
  }

  /** The last outcome; an InProgress that no job of this node runs was cut short by a stop. */
  async outcome(hsmId: string): Promise<UploadOutcome | undefined> {
    const stored = await this.#deps.repository.getUploadOutcome(hsmId);
    if (stored?.status === "InProgress" && !this.#running.has(hsmId))
      return { status: "Failed", details: INTERRUPTED, updatedAt: stored.updatedAt };
    return stored;
  }

  async #recover(blob: RestoreBlob, transferKey: JsonWebKey): Promise<Uint8Array> {
    const shares = await openRestoreShares(blob, transferKey);
    try {
      const source = { hsmId: blob.sourceHsmId, domainFingerprint: blob.domainFingerprint };
      return combineCheckedShares(
        shares,
        blob.required,
        source,
        "The shares of the restore blob do not reconstruct the security domain it names (the domain fingerprint differs).",
      );
    } finally {
      for (const share of shares) share.y.fill(0);
    }
  }

  async #apply(hsm: HsmRuntime, secret: Uint8Array, blob: RestoreBlob): Promise<void> {
    const record = (status: UploadOutcome["status"], details: string) =>
      this.#deps.repository.putUploadOutcome(hsm.id, { status, details, updatedAt: this.#now() });
    try {
      const sealed = sealDomainSecret(this.#deps.seal, hsm.id, secret);
      const installed = await this.#deps.repository.replaceSealedDomainSecretIfNoKeys(hsm.id, sealed, Math.floor(this.#now() / 1000));
      if (!installed) {
        await record("Failed", `HSM '${hsm.name}' received keys during the upload; its security domain was not replaced.`);
        return;
      }
      const served = await this.#deps.domains.get(hsm.id);
      if (!equalBytes(served.fingerprint, Buffer.from(blob.domainFingerprint, "base64url"))) {
        await record(
          "Failed",
          `This node still serves the previous domain of HSM '${hsm.name}' from its cache; restart it and upload again.`,
        );
        return;
      }
      await this.#deps.hsms.markActivated(hsm.id);
      await this.#deps.transferKeys.discard(hsm.id);
      await record(
        "Success",
        `HSM '${hsm.name}' holds the security domain of HSM ${blob.sourceHsmId} (fingerprint ${blob.domainFingerprint}) and is activated.`,
      );
    } catch (error) {
      this.#deps.onError?.(error, hsm.id);
      await record(
        "Failed",
        "The security domain could not be installed because of an internal error; upload the restore blob again.",
      ).catch((recordError: unknown) => this.#deps.onError?.(recordError, hsm.id));
    }
  }
}
