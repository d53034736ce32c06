/**
 * The one error base of keyhold. Every layer throws KeyholdError with a code
 * from this closed union; transports map the code to a gRPC status and an
 * HTTP status in exactly one place each (see ERROR_CLASSES).
 *
 * Messages are written for the caller: they name the field that was wrong and
 * what to do, and never carry key material, plaintext, tokens or stack traces.
 */
export type KeyholdErrorCode =
  | "BadParameter"
  | "Unauthorized"
  | "ForbiddenByRbac"
  | "ForbiddenByFirewall"
  | "KeyNotFound"
  | "HsmNotFound"
  | "NotFound"
  | "ObjectIsDeletedButRecoverable"
  | "Conflict"
  | "OperationNotAllowed"
  | "Throttled"
  | "Unavailable"
  | "CryptoFailure"
  | "InternalError";

/** Transport classes of each code: the gRPC status name and the HTTP status. */
export const ERROR_CLASSES: Readonly<Record<KeyholdErrorCode, { grpc: GrpcStatusName; http: number }>> = Object.freeze({
  BadParameter: { grpc: "INVALID_ARGUMENT", http: 400 },
  Unauthorized: { grpc: "UNAUTHENTICATED", http: 401 },
  ForbiddenByRbac: { grpc: "PERMISSION_DENIED", http: 403 },
  ForbiddenByFirewall: { grpc: "PERMISSION_DENIED", http: 403 },
  KeyNotFound: { grpc: "NOT_FOUND", http: 404 },
  HsmNotFound: { grpc: "NOT_FOUND", http: 404 },
  NotFound: { grpc: "NOT_FOUND", http: 404 },
  ObjectIsDeletedButRecoverable: { grpc: "ALREADY_EXISTS", http: 409 },
  Conflict: { grpc: "ALREADY_EXISTS", http: 409 },
  OperationNotAllowed: { grpc: "FAILED_PRECONDITION", http: 403 },
  Throttled: { grpc: "RESOURCE_EXHAUSTED", http: 429 },
  Unavailable: { grpc: "UNAVAILABLE", http: 503 },
  // Decrypt, unwrap and similar failures: one code and one fixed message so the
  // reason (padding, tag, length) never leaks to an attacker.
  CryptoFailure: { grpc: "INVALID_ARGUMENT", http: 400 },
  InternalError: { grpc: "INTERNAL", http: 500 },
});

export type GrpcStatusName =
  | "INVALID_ARGUMENT"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "INTERNAL";

export class KeyholdError extends Error {
  override readonly name = "KeyholdError";
  readonly code: KeyholdErrorCode;
  /** The request field that was wrong, when one was (e.g. "digest", "jwk.n"). */
  readonly field: string | undefined;

  constructor(code: KeyholdErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

/** Any thrown value as a KeyholdError; whatever is not one becomes InternalError, its detail kept from the caller. */
export function asKeyholdError(error: unknown): KeyholdError {
  return error instanceof KeyholdError ? error : new KeyholdError("InternalError", "An internal error occurred.");
}

/** The most characters of one caller-supplied name (HSM, key, role, principal id) an error message repeats. */
export const ECHO_NAME_CHARS = 64;
/** The same for longer caller-supplied values: scopes, resource ids, paths and URLs. */
export const ECHO_ID_CHARS = 256;
/** The longest message any error carries to a caller; longer ones are cut (a last line of defence behind echo()). */
export const MAX_ERROR_MESSAGE_CHARS = 1024;

/**
 * A caller-supplied value as an error message may repeat it: control characters replaced by `?`, and cut to `max`
 * characters with `...` when longer, so that no request input comes back whole (a 1,000-character header, a URL).
 */
export function echo(value: unknown, max: number = ECHO_NAME_CHARS): string {
  const text = String(value);
  const head = text.length > max ? text.slice(0, /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max) : text;
  const clean = head.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return head.length < text.length ? `${clean}...` : clean;
}

/** An error whose message is at most MAX_ERROR_MESSAGE_CHARS; the same error when it already is. */
export function cappedError(error: KeyholdError): KeyholdError {
  if (error.message.length <= MAX_ERROR_MESSAGE_CHARS) return error;
  return new KeyholdError(error.code, echo(error.message, MAX_ERROR_MESSAGE_CHARS), { field: error.field, cause: error });
}

/** A caller bug in a named field: INVALID_ARGUMENT / 400 with the field in the message. */
export function badParameter(field: string, problem: string): KeyholdError {
  return new KeyholdError("BadParameter", `${field}: ${problem}`, { field });
}

/** The single message every failed decryption, unwrap or unpadding yields. */
export const CRYPTO_FAILURE_MESSAGE = "The operation failed: the input could not be processed with this key.";

export function cryptoFailure(): KeyholdError {
  return new KeyholdError("CryptoFailure", CRYPTO_FAILURE_MESSAGE);
}
