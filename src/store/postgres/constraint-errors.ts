import { KeyholdError } from "../../errors.js";

const UNIQUE_VIOLATION = "23505";

function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** Turns a PostgreSQL uniqueness violation (SQLSTATE 23505) into Conflict; anything else passes through. */
export function rethrowUniqueViolation(error: unknown, message: string): never {
  if (sqlState(error) === UNIQUE_VIOLATION) throw new KeyholdError("Conflict", message, { cause: error });
  throw error;
}

/**
 * A server that cannot be reached or serve now: connection exceptions (class 08), operator intervention such as an
 * administrator's shutdown (57P..), insufficient resources such as too many connections (class 53), and a
 * serialization failure or deadlock that a retry resolves (40001, 40P01).
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P..|53...|40001|40P01)$/;
/** What node and pg raise without a SQLSTATE when the socket or the pool fails. */
const UNAVAILABLE_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end|Client was closed/i;

/** The caller gets Unavailable, so it may retry, never an InternalError, when the database is out of reach. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof KeyholdError) return error;
  const code = sqlState(error);
  const message = error instanceof Error ? error.message : "";
  if (
    (code !== undefined && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SYSTEM_CODES.has(code))) ||
    (error instanceof AggregateError && error.errors.some((inner) => asStoreError(inner) instanceof KeyholdError)) ||
    UNAVAILABLE_MESSAGES.test(message)
  ) {
    return new KeyholdError("Unavailable", "The store cannot be written or read now; nothing was changed. Try again.", { cause: error });
  }
  return error;
}
