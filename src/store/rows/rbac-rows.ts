/** The rows of the rbac tables as both stores read and write them, and their records. */
import type { RoleAssignmentRecord, RoleDefinitionRecord } from "../records.js";

export interface AssignmentRow {
  id: string;
  name: string;
  scope: string;
  role_definition_id: string;
  principal_id: string;
}

export const assignmentFromRow = (row: AssignmentRow): RoleAssignmentRecord => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  roleDefinitionId: row.role_definition_id,
  principalId: row.principal_id,
});

// Definitions are documents read whole; they are stored as the JSON the store wrote itself.
export const definitionFromBody = (body: string): RoleDefinitionRecord => JSON.parse(body) as RoleDefinitionRecord;
