/**
 * The management plane (SPEC section 7). The node wires it as:
 *
 *   const hsms = new StoreHsmRegistry({ store, configured: hsmList });
 *   const management = new ManagementRbac(store);
 *   const blobs = store is PostgreSQL ? new StoreBlobStore(store.blobs) : new BlobStore(dataDir);
 *   const forwarder = new DiagnosticForwarder({ blobs, openJournal: (name) => audit.journal(name) });
 *   operationTable(..., managementOperations({ store, rbac: management, seal, hsms, blobs, forwarder }));
 *   await restoreDiagnosticSettings(store, forwarder);
 *   new Pipeline({ hsms, management, ... });
 *   buildHttpsApp({ routes: [...GRAPH_ROUTES, ...MANAGEMENT_ROUTES], ... });
 */
export { ROOT_SCOPE } from "../arm/arm-ids.js";
export { managementOperations } from "./operations/index.js";
export { MANAGEMENT_ROUTES } from "./routes.js";
export { restoreDiagnosticSettings } from "./diagnostic-settings/restore.js";
export { BlobStore, StoreBlobStore, type BlobStorage } from "./storage/index.js";
export { DiagnosticForwarder } from "./diagnostics/index.js";
export { StoreHsmRegistry } from "./store-hsm-registry.js";
export * from "./rbac/index.js";
