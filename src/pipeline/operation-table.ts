/** The one table of operations: every RPC and HTTPS route resolves its operation here by name. */
import { KeyholdError } from "../errors.js";
import type { Operation } from "./operation.js";

export function operationTable(...groups: readonly Operation[][]): ReadonlyMap<string, Operation> {
  const table = new Map<string, Operation>();
  for (const operation of groups.flat()) {
    if (table.has(operation.name)) throw new KeyholdError("InternalError", `operation ${operation.name} is declared twice`);
    table.set(operation.name, operation);
  }
  return table;
}
