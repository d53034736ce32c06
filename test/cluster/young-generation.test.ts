import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/dev-server.js";
import { SERVER_SEMI_SPACE_MB, serverExecArgv } from "../../src/cluster/young-generation.js";

describe("a server process's young generation", () => {
  it("adds the semi-space flag to a node's flags", () => {
    expect(serverExecArgv(["--enable-source-maps"], undefined)).toEqual([
      "--enable-source-maps",
      `--max-semi-space-size=${SERVER_SEMI_SPACE_MB}`,
    ]);
  });

  it("keeps the operator's own choice, on the command line or in NODE_OPTIONS", () => {
    expect(serverExecArgv(["--max-semi-space-size=16"], undefined)).toEqual(["--max-semi-space-size=16"]);
    expect(serverExecArgv([], "--max-old-space-size=4096 --max-semi-space-size=8")).toEqual([]);
  });

  it("is what the keyhold executable runs with", () => {
    const shebang = readFileSync(CLI, "utf8").split("\n")[0]!;
    const [command, ...flags] = shebang.replace(/^#!\/usr\/bin\/env -S /, "").split(" ");
    expect(command).toBe("node");
    const execArgv = execFileSync(process.execPath, [...flags, "-p", "JSON.stringify(process.execArgv)"], { encoding: "utf8" });
    expect(JSON.parse(execArgv)).toContain(`--max-semi-space-size=${SERVER_SEMI_SPACE_MB}`);
  });
});
