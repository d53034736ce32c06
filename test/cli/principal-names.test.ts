/** Names where the CLI asks for object ids: resolved in the data dir's directory as the configuration file resolves them. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerDirectoryCommands } from "../../src/cli/directory.js";
import { resolvePrincipalIds } from "../../src/cli/principal-names.js";
import { registerHsmCommands } from "../../src/cli/hsm.js";
import { runCli } from "../helpers/cli.js";

const dataDir = mkdtempSync(join(tmpdir(), "keyhold-principal-names-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const directory = async (...args: string[]) =>
  JSON.parse((await runCli([registerDirectoryCommands], dataDir, ["directory", ...args])).stdout) as { id: string; appId?: string };

describe("principal names in the CLI", () => {
  it("resolves userPrincipalName, display name and appId to object ids, passes unknown GUIDs, and names the flag otherwise", async () => {
    await directory("tenant", "create", "--name", "contoso");
    const team = await directory("group", "create", "--display-name", "Contoso Security Team");
    const sam = await directory("user", "create", "--display-name", "Sam Security", "--upn", "sam@contoso");
    const app = await directory("sp", "create", "--display-name", "contoso-app");
    const unknown = "0b5c1f3e-0000-4000-8000-00000000abcd";
    expect(
      await resolvePrincipalIds("--administrators", ["Contoso Security Team", "sam@contoso", app.appId!, app.id, unknown], { dataDir }),
    ).toEqual([team.id, sam.id, app.id, app.id, unknown]);
    await expect(resolvePrincipalIds("--assignee", ["nobody"], { dataDir })).rejects.toThrow(
      `--assignee: no principal "nobody" in the tenant`,
    );
    const empty = mkdtempSync(join(tmpdir(), "keyhold-no-directory-"));
    try {
      expect(await resolvePrincipalIds("--assignee", [unknown], { dataDir: empty })).toEqual([unknown]);
      await expect(resolvePrincipalIds("--assignee", ["admin"], { dataDir: empty })).rejects.toThrow(
        /^--assignee: "admin" is not an object id, and there is no directory in/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("hsm create takes a principal name for --administrators (it used to refuse anything but a GUID)", async () => {
    // No server runs: the command gets as far as the connection, past the check that used to refuse the name.
    const run = await runCli([registerHsmCommands], dataDir, [
      "hsm",
      "create",
      "--name",
      "ContosoMHSM",
      "--location",
      "westeurope",
      "--administrators",
      "sam@contoso",
      "--subscription",
      "de7e1000-0000-4000-8000-000000000001",
      "--resource-group",
      "dev",
      "--tenant-id",
      "de7e1000-0000-4000-8000-000000000002",
      "--endpoint",
      "127.0.0.1:1",
      "--ca",
      join(import.meta.dirname, "../fixtures/module-trace/hooks.mjs"),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toContain("--administrators");
  });
});
