/**
 * The CLI finds the server running on its data dir through `<data-dir>/endpoints.json`: a server on other ports than
 * the defaults is reached, and its tokens accepted, with nothing but `--data-dir` (the bug: `keyhold token` assumed
 * https://127.0.0.1:8443 and the server refused its tokens). Needs `npm run build`.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { liveServerEndpoints } from "../../src/endpoints-file.js";
import { CLI, cleanEnvironment, killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";

let server: DevServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (server !== undefined) await killHard(server);
  server = undefined;
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

function keyhold(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...cleanEnvironment(), ...env } }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

describe("<data-dir>/endpoints.json", () => {
  it("is written while the server runs, lets every client command default to it, and is removed on a clean stop", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "keyhold-endpoints-"));
    server = await startDevServer({ dataDir });
    const recorded = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8")) as Record<string, unknown>;
    expect(recorded).toEqual({
      grpc: server.grpc,
      https: server.https,
      metrics: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      issuerUrl: `https://${server.https}`,
      pid: server.proc.pid,
    });
    expect(server.grpc).not.toBe("127.0.0.1:7443");

    const dataToken = await keyhold(["--data-dir", dataDir, "token", "--principal", "admin"]);
    expect(dataToken.code, dataToken.stderr).toBe(0);
    const listed = await keyhold(["--data-dir", dataDir, "key", "list", "--hsm-name", "dev", "--output", "json"], {
      KEYHOLD_TOKEN: dataToken.stdout.trim(),
    });
    expect(listed.code, listed.stderr).toBe(0);
    const mgmtToken = await keyhold(["--data-dir", dataDir, "token", "--principal", "admin", "--plane", "management"]);
    const hsms = await keyhold(["--data-dir", dataDir, "hsm", "list", "--subscription", "de7e1000-0000-4000-8000-000000000001"], {
      KEYHOLD_TOKEN: mgmtToken.stdout.trim(),
    });
    expect(hsms.code, hsms.stderr).toBe(0);
    expect(hsms.stdout).toContain('"name": "dev"');

    // Explicit flags and variables still win: the default port, where nothing listens, is refused.
    const elsewhere = await keyhold(["--data-dir", dataDir, "key", "list", "--hsm-name", "dev", "--endpoint", "127.0.0.1:1"], {
      KEYHOLD_TOKEN: dataToken.stdout.trim(),
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("is the server running at 127.0.0.1:1?");
    const otherIssuer = await keyhold(["--data-dir", dataDir, "token", "--principal", "admin"], {
      KEYHOLD_ISSUER_URL: "https://127.0.0.1:8443",
    });
    const refused = await keyhold(["--data-dir", dataDir, "key", "list", "--hsm-name", "dev"], {
      KEYHOLD_TOKEN: otherIssuer.stdout.trim(),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("UNAUTHENTICATED");

    const exited = new Promise((r) => server!.proc.once("exit", r));
    server.proc.kill("SIGTERM");
    await exited;
    server = undefined;
    expect(existsSync(join(dataDir, "endpoints.json"))).toBe(false);
  });

  it("is ignored when the process that wrote it is gone", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "keyhold-endpoints-"));
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    const file = {
      grpc: "127.0.0.1:17443",
      https: "127.0.0.1:18443",
      metrics: "127.0.0.1:19464",
      issuerUrl: "https://127.0.0.1:18443",
      pid: gone,
    };
    writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify(file));
    expect(liveServerEndpoints(dataDir)).toBeUndefined();
    writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify({ ...file, pid: process.pid }));
    expect(liveServerEndpoints(dataDir)).toEqual({ ...file, pid: process.pid });
    const run = await keyhold(["--data-dir", dataDir, "key", "list", "--hsm-name", "dev", "--token", "t", "--insecure"]);
    expect(run.stderr).toContain("is the server running at 127.0.0.1:17443?");
  });
});
