import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerBackupCommands } from "../../../src/cli/backup.js";

describe("keyhold backup|restore commands", () => {
  it("are shaped like az keyvault backup|restore", () => {
    const program = new Command("keyhold");
    registerBackupCommands(program);
    const options = (path: string[]): string[] => {
      let command: Command | undefined = program;
      for (const name of path) command = command?.commands.find((c) => c.name() === name);
      return (command?.options ?? [])
        .map((o) => o.long ?? "")
        .filter((flag) =>
          ["--hsm-name", "--storage-account-id", "--container", "--folder", "--key", "--no-wait", "--job-id", "--output"].includes(flag),
        );
    };
    expect(options(["backup", "start"])).toEqual(["--hsm-name", "--output", "--storage-account-id", "--container", "--no-wait"]);
    expect(options(["backup", "status"])).toEqual(["--hsm-name", "--output", "--job-id"]);
    expect(options(["restore", "start"])).toEqual([
      "--hsm-name",
      "--output",
      "--storage-account-id",
      "--container",
      "--no-wait",
      "--folder",
      "--key",
    ]);
    expect(options(["restore", "status"])).toEqual(["--hsm-name", "--output", "--job-id"]);
  });
});
