/**
 * AccessControlService: local role definitions and assignments of one HSM,
 * and CheckAccess (SPEC sections 3 and 6).
 */
import { randomUUID } from "node:crypto";
import {
  BUILT_IN_ROLES,
  canDeleteRoleDefinition,
  type CheckAccessResult,
  DATA_ACTIONS,
  explainCheckAccess,
  hsmScopeRule,
  isBuiltInRoleGuid,
  roleDefinitionGuidOf,
  type RoleAssignment,
  type RoleDefinition,
  validateRoleAssignment,
  validateRoleDefinition,
  validateRoleDefinitionScope,
} from "../../authz/index.js";
import { badParameter, echo, KeyholdError } from "../../errors.js";
import { requireGuid } from "../../guid.js";
import type { Store } from "../../store/index.js";
import { fields, optionalString, page, pageRequest, requiredString, type Page } from "../../pipeline/decode.js";
import type { LocalRbac } from "../local-rbac.js";
import { dataOperation, hsmOf } from "../../pipeline/operation.js";

export interface AccessControlDeps {
  readonly store: Store;
  readonly rbac: LocalRbac;
}

/** Managed HSM's published limit (reference section 2.3). */
const MAX_CUSTOM_ROLES = 50;

function roleDefinitionNotFound(name: string): KeyholdError {
  return new KeyholdError("NotFound", `Role definition ${echo(name)} does not exist in this HSM.`);
}

function roleAssignmentNotFound(name: string): KeyholdError {
  return new KeyholdError("NotFound", `Role assignment ${echo(name)} does not exist in this HSM.`);
}

function guidField(input: Record<string, unknown>, field: string): string {
  return requireGuid(requiredString(input, field, 36), field);
}

export function accessControlOperations({ store, rbac }: AccessControlDeps) {
  const listRoleDefinitions = dataOperation({
    name: "RoleDefinitionList",
    decode(raw: unknown) {
      const input = fields(raw);
      return {
        scope: hsmScopeRule.normalize(optionalString(input, "scope") ?? "/", "scope"),
        // Key Vault's `$filter=roleName eq '...'` (the REST door); gRPC lists every definition.
        roleName: optionalString(input, "roleName", 256),
        page: pageRequest(input),
      };
    },
    dataAction: "roleDefinitions/read/action",
    scope: (i) => i.scope,
    describe: (i) => ({ scope: i.scope }),
    async execute(input, context): Promise<Page<RoleDefinition>> {
      const definitions = (await rbac.state(hsmOf(context).id)).definitions;
      return page(input.roleName === undefined ? definitions : definitions.filter((d) => d.roleName === input.roleName), input.page);
    },
  });

  const getRoleDefinition = dataOperation({
    name: "RoleDefinitionGet",
    decode(raw: unknown) {
      const input = fields(raw);
      return { scope: validateRoleDefinitionScope(optionalString(input, "scope") ?? "/"), name: guidField(input, "name") };
    },
    dataAction: "roleDefinitions/read/action",
    scope: () => "/",
    describe: (i) => ({ scope: i.scope, roleDefinitionId: i.name }),
    async execute(input, context): Promise<RoleDefinition> {
      const definition = (await rbac.state(hsmOf(context).id)).definitions.find((d) => d.name.toLowerCase() === input.name);
      if (definition === undefined) throw roleDefinitionNotFound(input.name);
      return definition;
    },
  });

  const setRoleDefinition = dataOperation({
    name: "RoleDefinitionSet",
    decode(raw: unknown) {
      const input = fields(raw);
      const scope = validateRoleDefinitionScope(optionalString(input, "scope") ?? "/");
      const name = optionalString(input, "name") ?? randomUUID();
      return { scope, definition: { ...fields(input["roleDefinition"] ?? {}, "role_definition"), name } };
    },
    dataAction: "roleDefinitions/write/action",
    scope: () => "/",
    describe: (i) => ({ scope: i.scope, roleDefinitionId: String(i.definition.name) }),
    async execute(input, context): Promise<RoleDefinition> {
      const hsmId = hsmOf(context).id;
      return store.transaction(async (tx) => {
        const existing = (await tx.rbac.listRoleDefinitions(hsmId)) as RoleDefinition[];
        const definition = validateRoleDefinition(input.definition, DATA_ACTIONS, { existing });
        const replacing = existing.some((d) => d.name === definition.name);
        if (!replacing && existing.length >= MAX_CUSTOM_ROLES) {
          throw new KeyholdError("Conflict", `An HSM holds at most ${MAX_CUSTOM_ROLES} custom role definitions.`);
        }
        await tx.rbac.putRoleDefinition(hsmId, definition);
        return definition;
      });
    },
  });

  const deleteRoleDefinition = dataOperation({
    name: "RoleDefinitionDelete",
    decode(raw: unknown) {
      const input = fields(raw);
      return { scope: validateRoleDefinitionScope(optionalString(input, "scope") ?? "/"), name: guidField(input, "name") };
    },
    dataAction: "roleDefinitions/delete/action",
    scope: () => "/",
    describe: (i) => ({ scope: i.scope, roleDefinitionId: i.name }),
    async execute(input, context): Promise<RoleDefinition> {
      if (isBuiltInRoleGuid(input.name)) {
        throw new KeyholdError("OperationNotAllowed", "Built-in role definitions cannot be deleted.", { field: "name" });
      }
      const hsmId = hsmOf(context).id;
      return store.transaction(async (tx) => {
        const definition = (await tx.rbac.getRoleDefinition(hsmId, input.name)) as RoleDefinition | undefined;
        if (definition === undefined) throw roleDefinitionNotFound(input.name);
        canDeleteRoleDefinition(definition, await tx.rbac.listRoleAssignments(hsmId));
        await tx.rbac.deleteRoleDefinition(hsmId, input.name);
        return definition;
      });
    },
  });

  const listRoleAssignments = dataOperation({
    name: "RoleAssignmentList",
    decode(raw: unknown) {
      const input = fields(raw);
      const principalIdText = optionalString(input, "principalId", 36);
      const principalId = principalIdText === undefined ? undefined : requireGuid(principalIdText, "principal_id");
      return {
        scope: hsmScopeRule.normalize(optionalString(input, "scope") ?? "/", "scope"),
        principalId,
        page: pageRequest(input),
      };
    },
    dataAction: "roleAssignments/read/action",
    scope: (i) => i.scope,
    describe: (i) => ({ scope: i.scope, ...(i.principalId ? { targetPrincipalId: i.principalId } : {}) }),
    async execute(input, context): Promise<Page<RoleAssignment>> {
      // Listing at a scope shows the assignments made at that scope (Azure's atScope()), or
      // every assignment of one principal within it.
      const all = await store.rbac.listRoleAssignments(hsmOf(context).id);
      const matching = all.filter((a) =>
        input.principalId === undefined
          ? hsmScopeRule.normalize(a.scope, "scope") === input.scope || (input.scope !== "/" ? false : a.scope === "/keys")
          : a.principalId === input.principalId && hsmScopeRule.contains(input.scope, a.scope),
      );
      return page(matching, input.page);
    },
  });

  const getRoleAssignment = dataOperation({
    name: "RoleAssignmentGet",
    decode(raw: unknown) {
      const input = fields(raw);
      return { scope: hsmScopeRule.normalize(optionalString(input, "scope") ?? "/", "scope"), name: guidField(input, "name") };
    },
    dataAction: "roleAssignments/read/action",
    scope: (i) => i.scope,
    describe: (i) => ({ scope: i.scope, roleAssignmentName: i.name }),
    async execute(input, context): Promise<RoleAssignment> {
      const assignment = await store.rbac.getRoleAssignment(hsmOf(context).id, input.name);
      if (assignment === undefined || !hsmScopeRule.contains(input.scope, assignment.scope)) throw roleAssignmentNotFound(input.name);
      return assignment;
    },
  });

  const createRoleAssignment = dataOperation({
    name: "RoleAssignmentCreate",
    decode(raw: unknown) {
      const input = fields(raw);
      const name = requireGuid(optionalString(input, "name", 36) ?? randomUUID(), "name");
      const principalId = guidField(input, "principalId");
      const roleDefinitionId = requiredString(input, "roleDefinitionId", 256);
      if (roleDefinitionGuidOf(roleDefinitionId) === undefined)
        throw badParameter("role_definition_id", "must be a role definition id or its GUID");
      return { scope: hsmScopeRule.normalize(requiredString(input, "scope"), "scope"), name, principalId, roleDefinitionId };
    },
    // Needed at the assignment's own scope, so a Policy Administrator of /keys/a manages /keys/a only.
    dataAction: "roleAssignments/write/action",
    scope: (i) => i.scope,
    describe: (i) => ({
      scope: i.scope,
      roleAssignmentName: i.name,
      roleDefinitionId: i.roleDefinitionId,
      targetPrincipalId: i.principalId,
    }),
    async execute(input, context): Promise<RoleAssignment> {
      const hsmId = hsmOf(context).id;
      return store.transaction(async (tx) => {
        const custom = (await tx.rbac.listRoleDefinitions(hsmId)) as RoleDefinition[];
        const assignment = validateRoleAssignment(input, [...BUILT_IN_ROLES, ...custom]);
        if ((await tx.rbac.getRoleAssignment(hsmId, assignment.name)) !== undefined) {
          throw new KeyholdError("Conflict", `Role assignment ${assignment.name} already exists.`);
        }
        await tx.rbac.insertRoleAssignment(hsmId, assignment);
        return assignment;
      });
    },
  });

  const deleteRoleAssignment = dataOperation({
    name: "RoleAssignmentDelete",
    decode(raw: unknown) {
      const input = fields(raw);
      return { scope: hsmScopeRule.normalize(requiredString(input, "scope"), "scope"), name: guidField(input, "name") };
    },
    dataAction: "roleAssignments/delete/action",
    scope: (i) => i.scope,
    describe: (i) => ({ scope: i.scope, roleAssignmentName: i.name }),
    async execute(input, context): Promise<RoleAssignment> {
      const hsmId = hsmOf(context).id;
      return store.transaction(async (tx) => {
        const assignment = await tx.rbac.getRoleAssignment(hsmId, input.name);
        // The caller was authorized at input.scope: the assignment must lie there.
        if (assignment === undefined || !hsmScopeRule.contains(input.scope, assignment.scope)) throw roleAssignmentNotFound(input.name);
        await tx.rbac.deleteRoleAssignment(hsmId, input.name);
        return assignment;
      });
    },
  });

  const checkAccess = dataOperation({
    name: "CheckAccess",
    decode(raw: unknown) {
      const input = fields(raw);
      const action = requiredString(input, "action", 256);
      return {
        principalId: guidField(input, "principalId"),
        action,
        scope: hsmScopeRule.normalize(requiredString(input, "scope"), "scope"),
      };
    },
    dataAction: "roleAssignments/read/action",
    scope: (i) => i.scope,
    describe: (i) => ({ scope: i.scope, targetPrincipalId: i.principalId, dataAction: i.action }),
    async execute(input, context): Promise<CheckAccessResult & { readonly principalExists: boolean; readonly principalEnabled: boolean }> {
      const hsm = hsmOf(context);
      const principal = await store.directory.getPrincipal(hsm.tenantId, input.principalId);
      // A missing or disabled principal holds nothing, whatever its assignments say.
      const principalIds =
        principal === undefined || !principal.enabled
          ? []
          : [input.principalId, ...(await store.directory.listTransitiveGroupIds(input.principalId))];
      const result = explainCheckAccess({ principalIds, action: input.action, target: input.scope }, await rbac.state(hsm.id), {
        rule: hsmScopeRule,
        plane: "data",
      });
      return { ...result, principalExists: principal !== undefined, principalEnabled: principal?.enabled ?? false };
    },
  });

  return [
    listRoleDefinitions,
    getRoleDefinition,
    setRoleDefinition,
    deleteRoleDefinition,
    listRoleAssignments,
    getRoleAssignment,
    createRoleAssignment,
    deleteRoleAssignment,
    checkAccess,
  ];
}
