/** The audit journal: event shape, hash-chained journal with signed checkpoints, verify and query. */
export { buildAuditEvent, AUDIT_OPERATION_VERSION, AUDIT_PROPERTY_NAMES, MAX_AUDIT_STRING_LENGTH, MAX_AUDIT_PATH_LENGTH } from "./event.js";
export type { AuditEvent, AuditEventInput, AuditIdentity, AuditProperties, AuditResultType } from "./event.js";
export { AuditJournal, JOURNAL_UNAVAILABLE_MESSAGE } from "./journal.js";
export type { AuditJournalOptions, AuditJournalStats, DurableListener } from "./journal.js";
export { openNodeJournalFile } from "./journal-file.js";
export type { JournalFile, JournalFileOpener } from "./journal-file.js";
export { GENESIS_HASH, isCheckpoint } from "./record.js";
export type { AuditRecord, CheckpointBody, CheckpointRecord, JournalRecord } from "./record.js";
export { verifyJournal } from "./verify.js";
export type { JournalProblem, JournalProblemKind, JournalVerification } from "./verify.js";
export { followJournal, matchesQuery, queryJournal, queryJournals, tailJournal } from "./query.js";
export type { AuditQuery, FollowOptions, JournalTailResult } from "./query.js";
export { auditDirectory, auditJournalPath } from "./paths.js";
