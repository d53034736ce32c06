/** What the store keeps of keys (SPEC section 4): one row per key name and one per version. */

export type KeyState = "active" | "deleted";

export interface KeyRecord {
  readonly hsmId: string;
  /** The name as first created; lookups ignore case. */
  readonly name: string;
  readonly state: KeyState;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly deletedDate: number | undefined;
  readonly scheduledPurgeDate: number | undefined;
  readonly recoveryId: string | undefined;
  /** The validated rotation policy as JSON, when one was set. */
  readonly rotationPolicy: string | undefined;
}

export interface KeyVersionRecord {
  readonly hsmId: string;
  readonly name: string;
  /** 32 lowercase hex characters. */
  readonly version: string;
  /** Order of creation within the key; the highest is the latest version. */
  readonly seq: number;
  /** As created or imported, e.g. "RSA-HSM". */
  readonly kty: string;
  readonly keyOps: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly enabled: boolean;
  readonly nbf: number | undefined;
  readonly exp: number | undefined;
  readonly created: number;
  readonly updated: number;
  /** The public JWK as JSON (for oct keys: only kty). */
  readonly publicJwk: string;
  /** The private JWK, sealed under the HSM's keys-at-rest key; never stored in the clear. */
  readonly sealedPrivateJwk: Uint8Array;
}

export interface KeyVersionPatch {
  readonly enabled?: boolean;
  readonly nbf?: number | undefined;
  readonly exp?: number | undefined;
  readonly keyOps?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly updated: number;
}

export interface KeyDeletion {
  readonly deletedDate: number;
  readonly scheduledPurgeDate: number;
  readonly recoveryId: string;
}
