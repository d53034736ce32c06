/**
 * What a full backup holds of one HSM: every key in either state with all its
 * versions (private JWKs opened, since the files that carry them are encrypted
 * as a whole), and the HSM's custom role definitions and role assignments.
 */
import type { KeyRecord, RoleAssignmentRecord, RoleDefinitionRecord } from "../../store/index.js";
import type { BackupVersion } from "../keys/backup.js";

export interface BackedUpKey {
  readonly name: string;
  readonly state: KeyRecord["state"];
  readonly createdAt: number;
  readonly deletedDate?: number;
  readonly scheduledPurgeDate?: number;
  readonly rotationPolicy?: string;
  /** Oldest first. */
  readonly versions: readonly BackupVersion[];
}

export interface BackedUpRoles {
  readonly definitions: readonly RoleDefinitionRecord[];
  readonly assignments: readonly RoleAssignmentRecord[];
}

export interface HsmContents {
  readonly keys: readonly BackedUpKey[];
  readonly roles: BackedUpRoles;
}
