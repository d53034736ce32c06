/** The rows of the credential tables as both stores read and write them, and their records. */
import type { CredentialKind, CredentialRecord } from "../records.js";

export interface CredentialRow {
  id: string;
  principal_id: string;
  kind: CredentialKind;
  display_name: string;
  secret_hash: string | null;
  certificate_pem: string | null;
  thumbprint: string | null;
  start_at: number;
  end_at: number;
}

export const credentialFromRow = (row: CredentialRow): CredentialRecord => ({
  id: row.id,
  principalId: row.principal_id,
  kind: row.kind,
  displayName: row.display_name,
  secretHash: row.secret_hash,
  certificatePem: row.certificate_pem,
  thumbprint: row.thumbprint,
  startAt: row.start_at,
  endAt: row.end_at,
});
