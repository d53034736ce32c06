/** Diagnostic settings: an HSM's audit events copied into a storage account (SPEC section 7). */
export { AUDIT_EVENT_CONTAINER, auditLogBlobName, auditLogLine, azureResourceId } from "./azure-log-line.js";
export { DiagnosticForwarder } from "./forwarder.js";
export type { AuditJournalLike, DiagnosticForwarderOptions, DiagnosticForwarderStats, ForwarderLogger } from "./forwarder.js";
export { checkDiagnosticSetting } from "./setting.js";
export type { DiagnosticSetting } from "./setting.js";
