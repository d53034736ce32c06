/**
 * `keyhold --help` and the client commands start without the server: the program loads only the command group a
 * command line calls (`src/cli/program.ts`), and client groups reach the server through the wire, never through its
 * modules. Checked by the modules Node loads (a loader hook lists them), not by timing. Needs `npm run build`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, cleanEnvironment } from "../helpers/dev-server.js";

const REGISTER = resolve(import.meta.dirname, "../fixtures/module-trace/register.mjs");
const DIST_SRC = `file://${resolve(import.meta.dirname, "../../dist/src")}/`;
const dataDir = mkdtempSync(join(tmpdir(), "keyhold-startup-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The modules of dist/src (as paths under it) and the packages that `keyhold ...args` loads. */
function loadedBy(args: readonly string[]): { ours: string[]; packages: string[] } {
  const run = spawnSync(process.execPath, ["--import", REGISTER, CLI, "--data-dir", dataDir, ...args], {
    env: cleanEnvironment(),
    encoding: "utf8",
  });
  const urls = run.stderr
    .split("\n")
    .filter((line) => line.startsWith("LOADED "))
    .map((line) => line.slice("LOADED ".length));
  expect(urls.length, run.stderr).toBeGreaterThan(0);
  return {
    ours: urls.filter((url) => url.startsWith(DIST_SRC)).map((url) => url.slice(DIST_SRC.length)),
    packages: [...new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name) => name !== undefined))],
  };
}

/** What a client command must not load: the server, its store and workers, the HTTPS app, key generation. */
const SERVER_MODULES =
  /^(server|store|workers|transport\/http|management\/managed-hsm|identity\/http|audit\/journal|hsm\/operations)\/|^cli\/(serve|directory)\.js$/;
const SERVER_PACKAGES = [
  "fastify",
  "better-sqlite3",
  "piscina",
  "pino",
  "node-forge",
  "prom-client",
  "@grpc/reflection",
  "grpc-health-check",
];

describe("what the CLI loads", () => {
  it("`keyhold --help` loads the program and commander, nothing else", () => {
    const { ours, packages } = loadedBy(["--help"]);
    expect(ours.sort()).toEqual(["cli/index.js", "cli/program.js"]);
    expect(packages).toEqual(["commander"]);
  });

  it("a client command loads its own group and no server module", () => {
    for (const args of [
      ["key", "list", "--help"],
      ["role", "assignment", "list", "--help"],
      ["hsm", "list", "--help"],
      ["security-domain", "status", "--help"],
      ["backup", "status", "--help"],
    ]) {
      const { ours, packages } = loadedBy(args);
      expect(ours, args.join(" ")).toContain(`cli/${args[0]}.js`);
      expect(
        ours.filter((path) => SERVER_MODULES.test(path)),
        args.join(" "),
      ).toEqual([]);
      expect(
        packages.filter((name) => SERVER_PACKAGES.includes(name)),
        args.join(" "),
      ).toEqual([]);
      // Only the called group: no other group's file.
      // (A group may span files named after it: cli/key.js, cli/key-requests.js, cli/key-format.js.)
      const ownGroup = (path: string) => path === `cli/${args[0]}.js` || path.startsWith(`cli/${args[0]}-`);
      const shared = ["cli/index.js", "cli/program.js", "cli/client-options.js", "cli/mgmt.js", "cli/principal-names.js"];
      expect(
        ours.filter((path) => path.startsWith("cli/") && !shared.includes(path) && !ownGroup(path)),
        args.join(" "),
      ).toEqual([]);
    }
  });

  it("`keyhold help key` shows the whole key group", () => {
    const run = spawnSync(process.execPath, [CLI, "help", "key"], { env: cleanEnvironment(), encoding: "utf8" });
    expect(run.stdout).toMatch(/^ +sign \[options\]/m);
  });
});
