/** The one table of operations: every RPC and HTTPS route resolves its operation here by name. */
import { KeyholdError } from "../errors.js";
import type { AnyOperation } from "./operation.js";

export type OperationTable = ReadonlyMap<string, AnyOperation>;

export function operationTable(...groups: readonly (readonly AnyOperation[])[]): OperationTable {
  const table = new Map<string, AnyOperation>();
  for (const operation of groups.flat()) {
    if (table.has(operation.name)) throw new KeyholdError("InternalError", `operation ${operation.name} is declared twice`);
    table.set(operation.name, operation);
  }
  return table;
}
