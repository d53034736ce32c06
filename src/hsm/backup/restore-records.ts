/**
 * Backed-up keys turned into the target HSM's store records: private JWKs are
 * sealed again under the target's keys-at-rest key, bound to the target HSM's
 * id (src/hsm/keys/at-rest.ts), so the same backup restores into any HSM of
 * the same security domain. Done before the store transaction, to keep it short.
 */
import type { KeyRecord, KeyVersionRecord } from "../../store/index.js";
import type { HsmRuntime } from "../../pipeline/hsm-registry.js";
import { sealVersions } from "../keys/backup.js";
import { recoveryId } from "../keys/bundle.js";
import type { DomainKeys } from "../keys/domain.js";
import type { BackedUpKey } from "./contents.js";

export type RestoreTarget = Pick<HsmRuntime, "id" | "hsmUriHost">;

export interface KeyRecords {
  readonly key: KeyRecord;
  readonly versions: readonly KeyVersionRecord[];
}

export function keyRecords(
  domain: DomainKeys,
  hsm: RestoreTarget,
  backedUp: BackedUpKey,
  state: KeyRecord["state"] = backedUp.state,
): KeyRecords {
  const deleted = state === "deleted";
  return {
    key: {
      hsmId: hsm.id,
      name: backedUp.name,
      state,
      createdAt: backedUp.createdAt,
      deletedDate: deleted ? backedUp.deletedDate : undefined,
      scheduledPurgeDate: deleted ? backedUp.scheduledPurgeDate : undefined,
      // The recovery id names the HSM's host, which differs when restoring into another HSM.
      recoveryId: deleted ? recoveryId(hsm, backedUp.name) : undefined,
      rotationPolicy: backedUp.rotationPolicy,
    },
    versions: sealVersions(domain, hsm.id, backedUp.name, backedUp.versions),
  };
}
