import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerDirectoryCommands } from "../../src/cli/directory.js";
import { parseTtl, registerTokenCommand } from "../../src/cli/token.js";
import { Directory } from "../../src/identity/directory.js";
import { issuerSettings } from "../../src/identity/issuer-settings.js";
import { createTokenVerifier } from "../../src/identity/token-verifier.js";
import { openStore } from "../../src/store/index.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { fixtureKey, selfSignedCertificate } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `keyhold --data-dir DIR ...args` in-process with the directory and token commands. */
function keyhold(dataDir: string, ...args: string[]): Promise<CliResult> {
  return runCli([registerDirectoryCommands, registerTokenCommand], dataDir, args);
}

const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

describe("keyhold directory and keyhold token", () => {
  it("manages the directory in the data dir and mints a token that the server's verifier accepts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-cli-"));
    dirs.push(dataDir);
    const tenant = json((await keyhold(dataDir, "directory", "tenant", "create", "--name", "contoso")).stdout);
    const user = json((await keyhold(dataDir, "directory", "user", "create", "--upn", "ada@contoso", "--display-name", "Ada")).stdout);
    expect(user).toMatchObject({ userPrincipalName: "ada@contoso", accountEnabled: true });
    expect((user["passwordProfile"] as { password: string }).password.length).toBeGreaterThanOrEqual(16);
    const group = json((await keyhold(dataDir, "directory", "group", "create", "--display-name", "crypto-users")).stdout);
    const added = json((await keyhold(dataDir, "directory", "group", "add-member", "crypto-users", "ada")).stdout);
    expect(added["members"]).toEqual([expect.objectContaining({ id: user["id"], "@odata.type": "#microsoft.graph.user" })]);
    const sp = json((await keyhold(dataDir, "directory", "sp", "create", "--display-name", "payments")).stdout);
    const secret = json((await keyhold(dataDir, "directory", "sp", "add-password", "payments", "--display-name", "ci")).stdout);
    expect(secret["secretText"]).toEqual(expect.any(String));
    const shown = json((await keyhold(dataDir, "directory", "sp", "show", "payments")).stdout);
    expect(JSON.stringify(shown)).not.toContain(secret["secretText"] as string);
    const certificateFile = join(dataDir, "payments.pem");
    writeFileSync(certificateFile, selfSignedCertificate(fixtureKey("rsa-2048-1"), "payments"));
    expect(
      json((await keyhold(dataDir, "directory", "sp", "add-certificate", "payments", "--certificate", certificateFile)).stdout),
    ).toMatchObject({ type: "certificate" });
    const mi = json((await keyhold(dataDir, "directory", "mi", "create", "--display-name", "storage")).stdout);
    expect(mi).toMatchObject({ servicePrincipalType: "ManagedIdentity", accountEnabled: true });
    expect(JSON.parse((await keyhold(dataDir, "directory", "user", "list")).stdout)).toHaveLength(1);

    const printed = await keyhold(dataDir, "token", "--principal", "ada", "--ttl", "30m", "--issuer-url", "https://keyhold.test:8443");
    const token = printed.stdout.trim();
    expect(printed.stdout).toBe(`${token}\n`);
    expect(token.split(".")).toHaveLength(3);
    expect(decodeJwt(token)).toMatchObject({ oid: user["id"], tid: tenant["id"], aud: "https://managedhsm.azure.net" });

    const store = await openStore({ dataDir });
    try {
      const verifyToken = createTokenVerifier({
        directory: new Directory(store),
        settings: issuerSettings({ baseUrl: "https://keyhold.test:8443" }),
      });
      expect(await verifyToken(token, { plane: "data" })).toMatchObject({ oid: user["id"], groupIds: [group["id"]] });
      const management = (
        await keyhold(
          dataDir,
          "token",
          "--principal",
          sp["id"] as string,
          "--plane",
          "management",
          "--issuer-url",
          "https://keyhold.test:8443",
        )
      ).stdout.trim();
      expect((await verifyToken(management, { plane: "management" })).oid).toBe(sp["id"]);

      expect(json((await keyhold(dataDir, "directory", "user", "disable", "ada@contoso")).stdout)).toMatchObject({ accountEnabled: false });
      await expect(verifyToken(token, { plane: "data" })).rejects.toMatchObject({ code: "Unauthorized" });
    } finally {
      await store.close();
    }

    const refused = await keyhold(dataDir, "token", "--principal", "ada");
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/disabled/);
    const unknown = await keyhold(dataDir, "directory", "group", "add-member", "crypto-users", "nobody");
    expect(unknown).toMatchObject({ exitCode: 1, stdout: "" });
    expect(json((await keyhold(dataDir, "directory", "group", "delete", "crypto-users")).stdout)).toEqual({ deleted: group["id"] });
  });

  it("parses TTLs and refuses bad ones naming the option", () => {
    expect(parseTtl("1h")).toBe(3600);
    expect(parseTtl("90s")).toBe(90);
    expect(parseTtl("15m")).toBe(900);
    expect(parseTtl("600")).toBe(600);
    expect(() => parseTtl("1 hour")).toThrow(/--ttl/);
  });
});
