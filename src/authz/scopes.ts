/** The scope rules of both planes, behind one interface. */
export type { ScopeRule } from "./scope-rule.js";
export { hsmScopeRule, keyScope, isWholeHsmScope, HSM_ROOT_SCOPE, HSM_KEYS_SCOPE } from "./hsm-scope-rule.js";
export { armScopeRule, type ArmHierarchyNode, type ManagementGroupAncestry } from "./arm-scope-rule.js";
