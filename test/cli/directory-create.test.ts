/** Re-running a create (as a re-run README walkthrough does) must not make a second principal of the same name. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerDirectoryCommands } from "../../src/cli/directory.js";
import { runCli } from "../helpers/cli.js";

const dataDir = mkdtempSync(join(tmpdir(), "keyhold-directory-create-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const directory = (...args: string[]) => runCli([registerDirectoryCommands], dataDir, ["directory", ...args]);

describe("directory create", () => {
  it("refuses a duplicate display name or userPrincipalName with Conflict, and --if-not-exists returns the existing object", async () => {
    expect((await directory("tenant", "create", "--name", "contoso")).exitCode).toBe(0);
    const first = await directory("group", "create", "--display-name", "Contoso Security Team");
    expect(first.exitCode, first.stderr).toBe(0);
    const id = (JSON.parse(first.stdout) as { id: string }).id;

    const again = await directory("group", "create", "--display-name", "contoso security team");
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(
      `error: A group with the display name "contoso security team" already exists (id ${id}); add --if-not-exists to reuse it, or choose another name.\n`,
    );
    const reused = await directory("group", "create", "--display-name", "Contoso Security Team", "--if-not-exists");
    expect(reused.exitCode, reused.stderr).toBe(0);
    expect((JSON.parse(reused.stdout) as { id: string }).id).toBe(id);
    const shown = await directory("group", "show", "Contoso Security Team");
    expect(shown.exitCode, shown.stderr).toBe(0);

    expect((await directory("user", "create", "--display-name", "Sam Security", "--upn", "sam@contoso")).exitCode).toBe(0);
    const sameUpn = await directory("user", "create", "--display-name", "Sam", "--upn", "SAM@contoso");
    expect(sameUpn.exitCode).toBe(1);
    expect(sameUpn.stderr).toContain('A user with the userPrincipalName "SAM@contoso" already exists');
    const reusedUser = await directory("user", "create", "--display-name", "Sam Security", "--upn", "sam@contoso", "--if-not-exists");
    expect(reusedUser.exitCode, reusedUser.stderr).toBe(0);
    expect(reusedUser.stdout).not.toContain("passwordProfile");

    expect((await directory("group", "add-member", "Contoso Security Team", "sam@contoso")).exitCode).toBe(0);
    expect((await directory("group", "add-member", "Contoso Security Team", "sam@contoso")).stderr).toContain("already a member");
    const member = await directory("group", "add-member", "Contoso Security Team", "sam@contoso", "--if-not-exists");
    expect(member.exitCode, member.stderr).toBe(0);
    expect((JSON.parse(member.stdout) as { members: unknown[] }).members).toHaveLength(1);

    expect((await directory("sp", "create", "--display-name", "contoso-app")).exitCode).toBe(0);
    expect((await directory("sp", "create", "--display-name", "contoso-app")).stderr).toContain(
      "A service principal with the display name",
    );
    expect((await directory("sp", "list")).stdout.match(/"displayName": "contoso-app"/g)).toHaveLength(1);
  });
});
