/**
 * The database's clock in unix milliseconds, as SQL: leases are measured by it, never by a node's own clock, so
 * nodes on machines whose clocks differ still agree on when a lease runs out. clock_timestamp(), not now(): now()
 * stands still for a whole transaction.
 */
export const DB_NOW_MS = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
