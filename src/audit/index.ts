/** The audit journal: event shape, hash-chained journal with signed checkpoints, verify and query. */
export { AUDIT_OPERATION_VERSION } from "./event.js";
export type { AuditEvent, AuditEventInput, AuditProperties } from "./event.js";
export { AuditJournal, JOURNAL_UNAVAILABLE_MESSAGE } from "./journal.js";
export type { AuditJournalOptions } from "./journal.js";
export type { JournalFileOpener } from "./journal-file.js";
export { verifyJournal } from "./verify.js";
