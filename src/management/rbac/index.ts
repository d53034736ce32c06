export { ManagementRbac } from "./management-rbac.js";
export {
  CONTRIBUTOR,
  MANAGED_HSM_CONTRIBUTOR,
  MANAGEMENT_BUILT_IN_ROLES,
  OWNER,
  READER,
  STORAGE_BLOB_DATA_CONTRIBUTOR,
  STORAGE_BLOB_DATA_READER,
  USER_ACCESS_ADMINISTRATOR,
  managementRoleByGuid,
  managementRoleByName,
} from "./built-in-roles.js";
