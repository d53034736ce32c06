export { DATA_ACTIONS, DATA_ACTION_PREFIX, isDataAction, type DataAction, type DataActionSuffix } from "./data-actions.js";
export {
  BUILT_IN_ROLES,
  builtInRoleDefinition,
  MANAGED_HSM_ADMINISTRATOR,
  MANAGED_HSM_BACKUP,
  MANAGED_HSM_CRYPTO_AUDITOR,
  MANAGED_HSM_CRYPTO_OFFICER,
  MANAGED_HSM_CRYPTO_SERVICE_ENCRYPTION_USER,
  MANAGED_HSM_CRYPTO_SERVICE_RELEASE_USER,
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
  RoleDefinitionType,
} from "./model.js";
export { ROLE_DEFINITION_ID_PREFIX, authorizationResourceId, isGuid, roleDefinitionGuidOf } from "./ids.js";
export {
  HSM_KEYS_SCOPE,
  HSM_ROOT_SCOPE,
  armScopeRule,
  hsmScopeRule,
  keyScope,
  PROVIDER_NAMESPACE,
  RESOURCE_TYPE,
  type ArmHierarchyNode,
  type ManagementGroupAncestry,
  type ScopeRule,
} from "./scopes.js";
export { actionMatches, matchesAny } from "./match.js";
export {
  decide,
  type AccessQuery,
  type Decision,
  type DecideOptions,
  type Plane,
} from "./evaluator.js";
export { createDecisionCache, type DecisionCache, type DecisionCacheOptions } from "./cache.js";
export {
  assignmentAuthorization,
  canDeleteRoleDefinition,
  explainCheckAccess,
  validateRoleAssignment,
  validateRoleDefinition,
  validateRoleDefinitionScope,
  type AssignmentAuthorization,
  type CheckAccessResult,
  type ExplainedAssignment,
  type ValidateRoleDefinitionOptions,
} from "./management.js";
