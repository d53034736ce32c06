import { KeyholdError } from "../../errors.js";

/** Turns a SQLite uniqueness violation into Conflict; anything else passes through. */
export function rethrowUniqueViolation(error: unknown, message: string): never {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
      throw new KeyholdError("Conflict", message, { cause: error });
    }
  }
  throw error;
}

/**
 * SQLite's result codes for a store that cannot be read or written now (I/O error, full disk, a file-size limit,
 * a lock held too long, a read-only or vanished file): the caller gets Unavailable, so it may retry, never an
 * InternalError. Everything else passes through.
 */
const UNAVAILABLE_CODES = /^SQLITE_(IOERR|FULL|BUSY|LOCKED|CANTOPEN|READONLY|PROTOCOL)(_|$)/;

export function asStoreError(error: unknown): unknown {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.test(code)) {
      return new KeyholdError("Unavailable", "The store cannot be written or read now; nothing was changed. Try again.", { cause: error });
    }
  }
  return error;
}
