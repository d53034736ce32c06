/**
 * The HSM's contents as of one instant: everything is read inside one store
 * transaction, so a key created or deleted meanwhile is either wholly in the
 * backup or wholly out. The transaction only reads and is short; the slow part
 * (opening and re-encrypting material, writing files) happens after it, while
 * the data plane keeps serving.
 */
import type { KeyRecord, KeyVersionRecord, Store } from "../../store/index.js";
import { openVersions } from "../keys/backup.js";
import type { DomainKeys } from "../keys/domain.js";
import type { BackedUpKey, HsmContents } from "./contents.js";

interface StoredKey {
  readonly key: KeyRecord;
  readonly versions: readonly KeyVersionRecord[];
}

export async function readHsmContents(store: Store, domain: DomainKeys): Promise<HsmContents> {
  const hsmId = domain.hsmId;
  const { stored, definitions, assignments } = await store.transaction(async (tx) => {
    const keys = [...(await tx.keys.listKeys(hsmId, "active")), ...(await tx.keys.listKeys(hsmId, "deleted"))];
    const stored: StoredKey[] = [];
    for (const key of keys) stored.push({ key, versions: await tx.keys.listVersions(hsmId, key.name) });
    return { stored, definitions: await tx.rbac.listRoleDefinitions(hsmId), assignments: await tx.rbac.listRoleAssignments(hsmId) };
  });
  return { keys: stored.map((entry) => backedUpKey(domain, entry)), roles: { definitions, assignments } };
}

function backedUpKey(domain: DomainKeys, { key, versions }: StoredKey): BackedUpKey {
  return {
    name: key.name,
    state: key.state,
    createdAt: key.createdAt,
    ...(key.deletedDate === undefined ? {} : { deletedDate: key.deletedDate }),
    ...(key.scheduledPurgeDate === undefined ? {} : { scheduledPurgeDate: key.scheduledPurgeDate }),
    ...(key.rotationPolicy === undefined ? {} : { rotationPolicy: key.rotationPolicy }),
    versions: openVersions(domain, versions),
  };
}
