/** The database's clock in unix milliseconds, as SQL: leases are measured by it, never by a node's own clock. */
export const DB_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
