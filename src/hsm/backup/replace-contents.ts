/**
 * The two ways a backup lands in an HSM, each as one store transaction, so an
 * interrupted restore (a crash, a failed statement) leaves the old contents
 * and a finished one the new: never a mix. The job's end is written in the same
 * transaction, so "Succeeded" and the new contents commit together.
 */
import { KeyholdError } from "../../errors.js";
import type { RoleAssignmentRecord, RoleDefinitionRecord, StoreRepositories } from "../../store/index.js";
import type { KeyRecords } from "./restore-records.js";

export interface Replacement {
  readonly hsmId: string;
  readonly keys: readonly KeyRecords[];
  readonly definitions: readonly RoleDefinitionRecord[];
  readonly assignments: readonly RoleAssignmentRecord[];
}

async function insertKey(tx: StoreRepositories, records: KeyRecords): Promise<void> {
  await tx.keys.insertKey(records.key);
  for (const version of records.versions) await tx.keys.insertVersion(version);
}

/** Wipes the HSM's keys (both states, every version) and local roles, then writes the backup's. */
export async function replaceHsmContents(tx: StoreRepositories, replacement: Replacement): Promise<void> {
  const { hsmId } = replacement;
  for (const state of ["active", "deleted"] as const) {
    for (const key of await tx.keys.listKeys(hsmId, state)) await tx.keys.purgeKey(hsmId, key.name);
  }
  for (const assignment of await tx.rbac.listRoleAssignments(hsmId)) await tx.rbac.deleteRoleAssignment(hsmId, assignment.name);
  for (const definition of await tx.rbac.listRoleDefinitions(hsmId)) await tx.rbac.deleteRoleDefinition(hsmId, definition.name);
  for (const records of replacement.keys) await insertKey(tx, records);
  for (const definition of replacement.definitions) await tx.rbac.putRoleDefinition(hsmId, definition);
  for (const assignment of replacement.assignments) await tx.rbac.insertRoleAssignment(hsmId, assignment);
}

/** Restores one key while its name is free: never used, or purged (reference section 3.2). */
export async function restoreOneKey(tx: StoreRepositories, records: KeyRecords): Promise<void> {
  const existing = await tx.keys.getKey(records.key.hsmId, records.key.name);
  if (existing?.state === "deleted") {
    throw new KeyholdError(
      "ObjectIsDeletedButRecoverable",
      `Key '${existing.name}' is deleted but recoverable: purge it before restoring it from a backup.`,
    );
  }
  if (existing !== undefined) {
    throw new KeyholdError(
      "Conflict",
      `Key '${existing.name}' exists in this HSM: a selective restore needs a free name (delete and purge the key first).`,
    );
  }
  await insertKey(tx, records);
}
