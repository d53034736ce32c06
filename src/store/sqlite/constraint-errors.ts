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
