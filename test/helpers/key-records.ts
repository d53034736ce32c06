/** Store records of a key for tests that write the store directly. */
import type { KeyRecord } from "../../src/store/index.js";

/** An active key without versions, soft-delete dates or rotation policy; `overrides` change any field. */
export function keyRecord(hsmId: string, name: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    hsmId,
    name,
    state: "active",
    createdAt: 1,
    deletedDate: undefined,
    scheduledPurgeDate: undefined,
    recoveryId: undefined,
    rotationPolicy: undefined,
    ...overrides,
  };
}
