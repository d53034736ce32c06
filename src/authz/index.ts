export { DATA_ACTIONS, DATA_ACTION_PREFIX, isDataAction, type DataAction, type DataActionSuffix } from "./data-actions.js";
export {
  BUILT_IN_ROLES,
  builtInRoleDefinition,
  MANAGED_HSM_ADMINISTRATOR,
  MANAGED_HSM_BACKUP,
  MANAGED_HSM_CRYPTO_AUDITOR,
  MANAGED_HSM_CRYPTO_OFFICER,
  MANAGED_HSM_CRYPTO_USER,
  MANAGED_HSM_POLICY_ADMINISTRATOR,
  MANAGED_HSM_RESTORE,
  isBuiltInRoleGuid,
} from "./built-in-roles.js";
export type {
  AuthorizationState,
  Permission,
  RoleAssignment,
  RoleDefinition,
} from "./model.js";
export { copyPermissions } from "./model.js";
export { authorizationResourceId, roleDefinitionGuidOf } from "./ids.js";
export {
  HSM_ROOT_SCOPE,
  armScopeRule,
  hsmScopeRule,
  keyScope,
  PROVIDER_NAMESPACE,
  RESOURCE_TYPE,
  type ArmHierarchyNode,
  type ScopeRule,
} from "./scopes.js";
export { actionMatches, matchesAny } from "./match.js";
export {
  decide,
  type Decision,
  type DecideOptions,
  type Plane,
} from "./evaluator.js";
export { createDecisionCache, type DecisionCache } from "./cache.js";
export {
  assignmentAuthorization,
  canDeleteRoleDefinition,
  explainCheckAccess,
  validateRoleAssignment,
  validateRoleDefinition,
  validateRoleDefinitionScope,
  type CheckAccessResult,
} from "./management.js";
