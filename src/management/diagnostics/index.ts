/** Diagnostic settings: an HSM's audit events copied into a storage account (SPEC section 7). */
export { DiagnosticForwarder } from "./forwarder.js";
export { fileDelivery, storeDelivery } from "./delivery.js";
