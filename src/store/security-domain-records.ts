/**
 * What security domain recovery keeps per HSM: the sealed transfer key of the
 * recovery under way, the last upload's outcome, and the one atomic
 * replacement of the domain secret.
 */

export type UploadStatus = "InProgress" | "Success" | "Failed";

export interface UploadOutcome {
  readonly status: UploadStatus;
  /** Why it failed, or what succeeded; never secret. */
  readonly details: string;
  /** Milliseconds since the epoch. */
  readonly updatedAt: number;
}

export interface SecurityDomainRecoveryRepository {
  /** The HSM's transfer key pair, sealed by the node seal. */
  getSealedTransferKey(hsmId: string): Promise<Uint8Array | undefined>;
  /** Stores the sealed transfer key unless one exists; returns whether this call stored it (two nodes may race). */
  insertSealedTransferKey(hsmId: string, sealed: Uint8Array, now: number): Promise<boolean>;
  deleteTransferKey(hsmId: string): Promise<boolean>;

  getUploadOutcome(hsmId: string): Promise<UploadOutcome | undefined>;
  /** Creates or replaces the HSM's last outcome. */
  putUploadOutcome(hsmId: string, outcome: UploadOutcome): Promise<void>;

  /** Whether the HSM holds any key, active or deleted. */
  hasKeys(hsmId: string): Promise<boolean>;
  /**
   * In one transaction: when the HSM holds no key (active or deleted), replaces (or inserts) its sealed domain
   * secret and returns true; otherwise changes nothing and returns false. Keys sealed under the old secret would
   * never open again, hence the condition inside the transaction.
   */
  replaceSealedDomainSecretIfNoKeys(hsmId: string, sealed: Uint8Array, now: number): Promise<boolean>;
}
