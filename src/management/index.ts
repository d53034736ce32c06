/**
 * The management plane (SPEC section 7). The node wires it as:
 *
 *   const hsms = new StoreHsmRegistry({ store, configured: hsmList });
 *   const management = new ManagementRbac(store);
 *   operationTable(..., managementOperations({ store, rbac: management, seal, hsms }));
 *   new Pipeline({ hsms, management, ... });
 *   buildHttpsApp({ routes: [...GRAPH_ROUTES, ...MANAGEMENT_ROUTES], ... });
 */
export { armErrorCode } from "./arm-errors.js";
export { armResponse, type ArmReply } from "./arm-reply.js";
export { managedHsmId, resourceGroupScope, subscriptionScope, managementGroupScope, ROOT_SCOPE } from "./arm-ids.js";
export { managementOperations, type ManagementDeps } from "./operations/index.js";
export { MANAGEMENT_ROUTES } from "./routes.js";
export { StoreHsmRegistry, defaultHsmUriHost, type StoreHsmRegistryOptions } from "./store-hsm-registry.js";
export * from "./rbac/index.js";
