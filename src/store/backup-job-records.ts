/** What the store keeps of full backup, restore and selective key restore jobs (SPEC section 8). Times are unix milliseconds. */

export type BackupJobKind = "backup" | "restore" | "selectiveKeyRestore";
export type BackupJobStatus = "InProgress" | "Succeeded" | "Failed";

export interface BackupJobRecord {
  /** 32 lowercase hex characters, as Managed HSM's job ids. */
  readonly id: string;
  readonly hsmId: string;
  readonly kind: BackupJobKind;
  readonly status: BackupJobStatus;
  /** The storage account name and container the folder lives in. */
  readonly storageAccount: string;
  readonly container: string;
  /** `mhsm-<name>-<YYYYMMDDHHmmss>`. */
  readonly folder: string;
  /** Selective key restore only. */
  readonly keyName: string | undefined;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  /** Set when Failed: a keyhold error code and a message for the caller. */
  readonly error: { readonly code: string; readonly message: string } | undefined;
}
