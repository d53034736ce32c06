import { DATA_ACTION_PREFIX, type DataAction, type DataActionSuffix, isDataAction } from "../authz/index.js";

/**
 * `dataAction("keys/sign/action")` is the full action. The suffix's type admits only the known ones, so a typo fails to
 * compile; the run-time check stays for callers that reach here from untyped code.
 */
export function dataAction(suffix: DataActionSuffix): DataAction {
  const action = `${DATA_ACTION_PREFIX}/${suffix}`;
  if (!isDataAction(action)) throw new Error(`unknown data action ${action}`);
  return action;
}
