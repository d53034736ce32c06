/**
 * The error codes Key Vault puts in `{"error": {"code", "message"}}`, mapped from keyhold's closed set. The HTTP
 * status stays the one of ERROR_CLASSES (403 for an RBAC denial, 404 for a missing key, 429 when throttled); the
 * Azure SDKs branch on the status and show the code.
 */
import type { KeyholdError, KeyholdErrorCode } from "../errors.js";

const KEY_VAULT_CODES: Readonly<Record<KeyholdErrorCode, string>> = Object.freeze({
  BadParameter: "BadParameter",
  Unauthorized: "Unauthorized",
  ForbiddenByRbac: "Forbidden",
  ForbiddenByFirewall: "Forbidden",
  KeyNotFound: "KeyNotFound",
  HsmNotFound: "NotFound",
  NotFound: "NotFound",
  // Key Vault answers a name held by a deleted key with 409 Conflict; the message says it is deleted but recoverable.
  ObjectIsDeletedButRecoverable: "Conflict",
  Conflict: "Conflict",
  // A disabled or expired key, an operation outside key_ops, an HSM not activated: 403 Forbidden in Key Vault.
  OperationNotAllowed: "Forbidden",
  Throttled: "Throttled",
  Unavailable: "ServiceUnavailable",
  // One code and the one fixed message for every failed decrypt or unwrap (no oracle).
  CryptoFailure: "BadParameter",
  InternalError: "InternalError",
});

export function keyVaultErrorCode(error: KeyholdError): string {
  return KEY_VAULT_CODES[error.code];
}
