/** Items in one batch call (SPEC section 3): what the server accepts and what its clients send at most. */
export const MAX_BATCH_ITEMS = 1000;
