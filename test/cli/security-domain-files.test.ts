/** Security-domain key pairs land in the data dir unless told otherwise, and git ignores them wherever an older command wrote them. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerSecurityDomainCommands } from "../../src/cli/security-domain.js";
import { runCli } from "../helpers/cli.js";

const REPO = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "keyhold-sd-files-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("security-domain files", () => {
  it("make-keys writes into <data-dir>/security-domain by default, private keys readable by the owner only", async () => {
    const dataDir = join(work, ".keyhold");
    const run = await runCli([registerSecurityDomainCommands], dataDir, ["security-domain", "make-keys", "--count", "3"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const dir = join(dataDir, "security-domain");
    expect(readdirSync(dir).sort()).toEqual(["cert1.pem", "cert2.pem", "cert3.pem", "key1.pem", "key2.pem", "key3.pem"]);
    expect(statSync(join(dir, "key1.pem")).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain(join(dir, "cert1.pem"));
    expect(existsSync(join(process.cwd(), "key1.pem"))).toBe(false);
  });

  it("git ignores key pairs and security domains written into the working tree", () => {
    const ignored = [
      "contoso-sd/key1.pem",
      "sd-keys/key2.pem",
      "key3.pem",
      "contoso-sd/ContosoMHSM-SD.json",
      "sd.json",
      "security-domain/key1.pem",
      ".keyhold/security-domain/key1.pem",
    ];
    const out = execFileSync("git", ["check-ignore", "--no-index", ...ignored], { cwd: REPO, encoding: "utf8" });
    expect(out.trim().split("\n").sort()).toEqual([...ignored].sort());
  });
});
