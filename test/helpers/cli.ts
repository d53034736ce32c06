/** Runs `keyhold --data-dir DIR ...args` in-process with the given command groups, capturing what it prints. */
import { Command } from "commander";
import { vi } from "vitest";

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export async function runCli(
  register: readonly ((program: Command) => void)[],
  dataDir: string,
  args: readonly string[],
): Promise<CliResult> {
  const program = new Command("keyhold").option("--data-dir <dir>").exitOverride();
  for (const add of register) add(program);
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
