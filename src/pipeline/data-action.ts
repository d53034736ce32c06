import { DATA_ACTION_PREFIX, type DataAction, isDataAction } from "../authz/index.js";

/** `dataAction("keys/sign/action")` is the full action; an unknown one fails at module load, not at call time. */
export function dataAction(suffix: string): DataAction {
  const action = `${DATA_ACTION_PREFIX}/${suffix}`;
  if (!isDataAction(action)) throw new Error(`unknown data action ${action}`);
  return action;
}
