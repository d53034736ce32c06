/** The rows of the security domain recovery tables as both stores read them. */
import type { UploadStatus } from "../security-domain-records.js";

export interface OutcomeRow {
  status: UploadStatus;
  details: string;
  updated_at: number;
}
