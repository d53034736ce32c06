import { Command } from "commander";
import { vi } from "vitest";
import { registerKeyCommands } from "../../src/cli/key.js";
import { registerRngCommands } from "../../src/cli/rng.js";
import { registerRoleCommands } from "../../src/cli/role.js";

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs `keyhold --data-dir DIR ...args` in-process with the client command groups, capturing what it prints. */
export async function keyhold(dataDir: string, ...args: string[]): Promise<CliResult> {
  const program = new Command("keyhold").option("--data-dir <dir>").exitOverride();
  registerKeyCommands(program);
  registerRngCommands(program);
  registerRoleCommands(program);
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(["node", "keyhold", "--data-dir", dataDir, ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}
