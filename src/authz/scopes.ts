/** The scope rules of both planes, behind one interface. */
export type { ScopeRule } from "./scope-rule.js";
export { hsmScopeRule, keyScope, HSM_ROOT_SCOPE } from "./hsm-scope-rule.js";
export { armScopeRule, PROVIDER_NAMESPACE, RESOURCE_TYPE, type ArmHierarchyNode } from "./arm-scope-rule.js";
