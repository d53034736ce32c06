import type { RbacRepository } from "../store.js";
import { rethrowUniqueViolation } from "./constraint-errors.js";
import type { SqliteRunner } from "./runner.js";
import { type AssignmentRow, assignmentFromRow, definitionFromBody } from "../rows/rbac-rows.js";

export function sqliteRbacRepository(runner: SqliteRunner): RbacRepository {
  return {
    listRoleDefinitions: (hsmId) =>
      runner.read((db) =>
        (db.prepare("SELECT body FROM role_definitions WHERE hsm_id = ? ORDER BY name").all(hsmId) as { body: string }[]).map((row) =>
          definitionFromBody(row.body),
        ),
      ),
    getRoleDefinition: (hsmId, name) =>
      runner.read((db) => {
        const row = db.prepare("SELECT body FROM role_definitions WHERE hsm_id = ? AND name = ?").get(hsmId, name) as
          | { body: string }
          | undefined;
        return row && definitionFromBody(row.body);
      }),
    putRoleDefinition: (hsmId, definition) =>
      runner.write((db) => {
        db.prepare(
          "INSERT INTO role_definitions (hsm_id, name, body) VALUES (?, ?, ?) ON CONFLICT (hsm_id, name) DO UPDATE SET body = excluded.body",
        ).run(hsmId, definition.name, JSON.stringify(definition));
      }),
    deleteRoleDefinition: (hsmId, name) =>
      runner.write((db) => {
        const result = db.prepare("DELETE FROM role_definitions WHERE hsm_id = ? AND name = ?").run(hsmId, name);
        return result.changes > 0;
      }),
    listRoleAssignments: (hsmId) =>
      runner.read((db) =>
        (db.prepare("SELECT * FROM role_assignments WHERE hsm_id = ? ORDER BY name").all(hsmId) as AssignmentRow[]).map(assignmentFromRow),
      ),
    getRoleAssignment: (hsmId, name) =>
      runner.read((db) => {
        const row = db.prepare("SELECT * FROM role_assignments WHERE hsm_id = ? AND name = ?").get(hsmId, name) as
          | AssignmentRow
          | undefined;
        return row && assignmentFromRow(row);
      }),
    insertRoleAssignment: (hsmId, a) =>
      runner.write((db) => {
        try {
          db.prepare(
            "INSERT INTO role_assignments (hsm_id, name, scope, role_definition_id, principal_id, id) VALUES (?, ?, ?, ?, ?, ?)",
          ).run(hsmId, a.name, a.scope, a.roleDefinitionId, a.principalId, a.id);
        } catch (error) {
          rethrowUniqueViolation(error, "A role assignment with this name already exists.");
        }
      }),
    deleteRoleAssignment: (hsmId, name) =>
      runner.write((db) => {
        const result = db.prepare("DELETE FROM role_assignments WHERE hsm_id = ? AND name = ?").run(hsmId, name);
        return result.changes > 0;
      }),
  };
}
