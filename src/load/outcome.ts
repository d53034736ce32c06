/** What one operation came to, and the tally of outcomes by error. */

export type Outcome = { ok: true } | { ok: false; code: string; errorCode?: string };

/**
 * A Stream or unary response that arrived but does not answer the request
 * (verify said invalid, decrypt gave other bytes): not a gRPC status, so it
 * gets a name of its own.
 */
export const WRONG_RESULT = "WRONG_RESULT";

/** "NOT_FOUND (KeyNotFound)", or just the gRPC code name when no x-error-code came. */
export function errorKey(outcome: Extract<Outcome, { ok: false }>): string {
  return outcome.errorCode ? `${outcome.code} (${outcome.errorCode})` : outcome.code;
}

export type ErrorCounts = Record<string, number>;

export function addErrorCounts(into: ErrorCounts, from: Readonly<ErrorCounts>): ErrorCounts {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
  return into;
}
