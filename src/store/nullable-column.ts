/** A nullable column's value as the records carry it: SQL NULL becomes an absent (undefined) field. */
export const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
