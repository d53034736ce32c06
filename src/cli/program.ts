/**
 * The `keyhold` command tree. Each command group lives in its own file and exports
 * one `register...Commands(program)` function; this file only assembles them.
 */
import { Command } from "commander";
import { registerAuditCommands } from "./audit.js";
import { registerBackupCommands } from "./backup.js";
import { registerBenchCommand } from "./bench.js";
import { registerDiagnosticSettingsCommands } from "./diagnostic-settings.js";
import { registerDirectoryCommands } from "./directory.js";
import { registerHsmCommands } from "./hsm.js";
import { registerKeyCommands } from "./key.js";
import { registerLoadCommand } from "./load.js";
import { registerMgmtCommands } from "./mgmt.js";
import { registerRngCommands } from "./rng.js";
import { registerRoleCommands } from "./role.js";
import { registerSecurityDomainCommands } from "./security-domain.js";
import { registerStorageCommands } from "./storage.js";
import { registerServeCommand } from "./serve.js";
import { registerTokenCommand } from "./token.js";

export function buildProgram(): Command {
  const program = new Command("keyhold")
    .description("keyhold: a self-hosted, high-throughput key management service")
    .option("--data-dir <dir>", "where keyhold keeps its state (CA, keys, journals)", process.env["KEYHOLD_DATA_DIR"] ?? "./.keyhold")
    .showHelpAfterError();
  registerServeCommand(program);
  registerTokenCommand(program);
  registerDirectoryCommands(program);
  registerKeyCommands(program);
  registerRngCommands(program);
  registerRoleCommands(program);
  registerSecurityDomainCommands(program);
  registerBackupCommands(program);
  registerHsmCommands(program);
  registerMgmtCommands(program);
  registerStorageCommands(program);
  registerDiagnosticSettingsCommands(program);
  registerAuditCommands(program);
  registerBenchCommand(program);
  registerLoadCommand(program);
  return program;
}
