import { runCli, type CliResult } from "../helpers/cli.js";
import { registerKeyCommands } from "../../src/cli/key.js";
import { registerRngCommands } from "../../src/cli/rng.js";
import { registerRoleCommands } from "../../src/cli/role.js";

export type { CliResult } from "../helpers/cli.js";

/** Runs `keyhold --data-dir DIR ...args` in-process with the client command groups. */
export function keyhold(dataDir: string, ...args: string[]): Promise<CliResult> {
  return runCli([registerKeyCommands, registerRngCommands, registerRoleCommands], dataDir, args);
}
