/**
 * The shapes of local (and management) RBAC, as in SPEC section 6 and the Key Vault 7.6 `rbac.json` models.
 * Plain data: storage and transports build these and hand them to the evaluator.
 */
type RoleDefinitionType = "AKVBuiltInRole" | "CustomRole";

/** One permission block. `not*` entries exclude from THIS block only; they never deny what another block grants. */
export interface Permission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

/** A permission block as wire messages take it (protobuf messages and JSON bodies want their own, mutable arrays). */
export interface PermissionCopy {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export function copyPermissions(permissions: readonly Permission[]): PermissionCopy[] {
  return permissions.map((p) => ({
    actions: [...p.actions],
    notActions: [...p.notActions],
    dataActions: [...p.dataActions],
    notDataActions: [...p.notDataActions],
  }));
}

export interface RoleDefinition {
  /** e.g. `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
  readonly id: string;
  /** The GUID. Assignments find their definition by it. */
  readonly name: string;
  readonly roleName: string;
  readonly description: string;
  readonly type: RoleDefinitionType;
  readonly permissions: readonly Permission[];
  readonly assignableScopes: readonly string[];
}

export interface RoleAssignment {
  /** e.g. `/keys/providers/Microsoft.Authorization/roleAssignments/<guid>`. */
  readonly id: string;
  /** The GUID. */
  readonly name: string;
  readonly scope: string;
  /** Any id whose last segment is the definition's GUID (`.../roleDefinitions/<guid>`), or the bare GUID. */
  readonly roleDefinitionId: string;
  readonly principalId: string;
}

/** Everything a decision reads: the definitions (built-in and custom) and assignments of one HSM or one tenant. */
export interface AuthorizationState {
  readonly definitions: readonly RoleDefinition[];
  readonly assignments: readonly RoleAssignment[];
}
