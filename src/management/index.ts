/**
 * The management plane (SPEC section 7). The node wires it as:
 *
 *   const hsms = new StoreHsmRegistry({ store, configured: hsmList });
 *   const management = new ManagementRbac(store);
 *   const blobs = store is PostgreSQL ? new StoreBlobStore(store.blobs) : new BlobStore(dataDir);
 *   const delivery = store is PostgreSQL ? storeDelivery(store) : fileDelivery(blobs, store.diagnosticCursors);
 *   const forwarder = new DiagnosticForwarder({ nodeId, store, settings: () => storedDiagnosticSettings(store),
 *     journals: audit, delivery });
 *   operationTable(..., managementOperations({ store, rbac: management, seal, hsms, blobs }));
 *   new Pipeline({ hsms, management, ... });
 *   buildHttpsApp({ routes: [...GRAPH_ROUTES, ...MANAGEMENT_ROUTES], ... });
 */
export { ROOT_SCOPE } from "../arm/arm-ids.js";
export { managementOperations } from "./operations/index.js";
export { MANAGEMENT_ROUTES } from "./routes.js";
export { storedDiagnosticSettings } from "./diagnostic-settings/stored-settings.js";
export { BlobStore, StoreBlobStore, type BlobStorage } from "./storage/index.js";
export { DiagnosticForwarder, fileDelivery, storeDelivery } from "./diagnostics/index.js";
export { StoreHsmRegistry } from "./store-hsm-registry.js";
export * from "./rbac/index.js";
