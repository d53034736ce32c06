/** Where journals live: `<dataDir>/audit/<hsm>/<nodeId>.jsonl`. */
import { join } from "node:path";
import { badParameter } from "../errors.js";

// Managed HSM names: 3 to 24 letters, digits and hyphens. Checking them here
// also keeps a name from walking out of the data dir ("../").
export const HSM_NAME = /^[A-Za-z0-9-]{3,24}$/;
export const HSM_NAME_RULE = "must be 3 to 24 letters, digits or hyphens";
/** The journal of calls that address no HSM, so no HSM may take this name. */
export const RESERVED_HSM_NAME = "keyhold-management";
/** A node id names a journal file, so no path characters. */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function auditDirectory(dataDir: string, hsmName: string): string {
  if (!HSM_NAME.test(hsmName)) throw badParameter("hsm-name", HSM_NAME_RULE);
  return join(dataDir, "audit", hsmName);
}

export function auditJournalPath(dataDir: string, hsmName: string, nodeId: string): string {
  if (!NODE_ID.test(nodeId)) throw badParameter("node", "must be 1 to 64 letters, digits, '.', '_' or '-', not starting with a symbol");
  return join(auditDirectory(dataDir, hsmName), `${nodeId}.jsonl`);
}
