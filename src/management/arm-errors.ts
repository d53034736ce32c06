/**
 * The error codes ARM clients branch on (`{"error": {"code", "message"}}`), mapped from keyhold's closed set. The
 * HTTP status stays the one of ERROR_CLASSES; only the body's code is ARM's. ObjectIsDeletedButRecoverable cannot
 * come from a management operation but maps to Conflict like any name clash.
 */
import { ApiVersionError } from "./api-versions.js";
import { echo, ECHO_ID_CHARS, KeyholdError, type KeyholdErrorCode } from "../errors.js";

const ARM_CODES: Readonly<Record<KeyholdErrorCode, string>> = Object.freeze({
  BadParameter: "InvalidRequestContent",
  Unauthorized: "AuthenticationFailed",
  ForbiddenByRbac: "AuthorizationFailed",
  ForbiddenByFirewall: "ForbiddenByFirewall",
  KeyNotFound: "ResourceNotFound",
  HsmNotFound: "ResourceNotFound",
  NotFound: "ResourceNotFound",
  ObjectIsDeletedButRecoverable: "Conflict",
  Conflict: "Conflict",
  OperationNotAllowed: "OperationNotAllowed",
  Throttled: "TooManyRequests",
  Unavailable: "ServiceUnavailable",
  CryptoFailure: "BadRequest",
  InternalError: "InternalServerError",
});

/** ARM's message for a tracked resource that does not exist (or is not in the resource group the path names). */
export function resourceNotFound(resourceId: string): KeyholdError {
  return new KeyholdError("NotFound", `The Resource '${echo(resourceId, ECHO_ID_CHARS)}' was not found.`);
}

export function subscriptionNotFound(subscriptionId: string): KeyholdError {
  return new KeyholdError("NotFound", `Subscription '${echo(subscriptionId)}' could not be found.`);
}

export function resourceGroupNotFound(resourceGroup: string): KeyholdError {
  return new KeyholdError("NotFound", `Resource group '${echo(resourceGroup)}' could not be found.`);
}

export function armErrorCode(error: KeyholdError): string {
  if (error instanceof ApiVersionError) return error.armCode;
  return ARM_CODES[error.code];
}
