/**
 * `keyhold serve --dev` as a newcomer meets it (SPEC section 11): the built CLI started as a child process, the
 * banner's commands run exactly as printed, the HSM `dev` read back over the ARM route, and a second start on the same
 * data dir that reuses everything.
 *
 * Needs `npm run build` first (`npm test` runs it as its pretest step): it runs dist/src/cli/index.js, as
 * `npm start` and `npx keyhold` do.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withApiVersion } from "../../src/management/api-versions.js";
import { CLI, startDevServer, type DevServer } from "../helpers/dev-server.js";

const REPO = resolve(import.meta.dirname, "../..");
const OWNER_ROLE = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

type Started = DevServer;

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

/** Starts the server and resolves once the listening line and the whole banner (its last command) are out. */
async function serve(dataDir: string): Promise<Started> {
  const started = await startDevServer({ dataDir, until: (out) => out.includes("role assignment list") });
  child = started.proc;
  return started;
}

async function stopServer(started: Started): Promise<void> {
  const exited = new Promise((r) => started.proc.once("exit", r));
  started.proc.kill("SIGTERM");
  await exited;
  child = undefined;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `keyhold ARGS` as a user's shell runs it: in the repo (package.json is the banner's data file), with the environment. */
function keyhold(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

/** The banner's example commands, as `keyhold` argument lists (the token line's command without `export ...=$(...)`). */
function bannerCommands(banner: string): { token: string[]; examples: string[][] } {
  const commands = banner
    .split("\n")
    .map((line) => /^\s+(?:export KEYHOLD_TOKEN=\$\()?npx keyhold (.+?)\)?$/.exec(line)?.[1])
    .filter((command): command is string => command !== undefined)
    .map((command) => command.split(/\s+/));
  const [token, ...examples] = commands;
  return { token: token!, examples };
}

function armGet(started: Started, caPem: Buffer, token: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const [host, port] = [
    started.https.slice(0, started.https.lastIndexOf(":")),
    Number(started.https.slice(started.https.lastIndexOf(":") + 1)),
  ];
  return new Promise((done, fail) => {
    const req = request(
      {
        host,
        port,
        path: withApiVersion(path),
        method: "GET",
        ca: caPem,
        servername: "localhost",
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => done({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on("error", fail);
    req.end();
  });
}

describe("serve --dev (built CLI; `npm run build` must have run)", () => {
  it("sets up an activated HSM through the management plane, runs the banner's commands as printed, and reuses everything on restart", async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-dev-"));
    const sdDir = join(dataDir, "dev-security-domain");

    const first = await serve(dataDir);
    expect(first.banner.split("\n")[0]).toMatch(/^listening grpc=/);
    expect(first.banner).toMatch(/DEVELOPMENT ONLY/);
    expect(first.banner).toContain(sdDir);
    const env = { KEYHOLD_DATA_DIR: dataDir, KEYHOLD_ISSUER_URL: `https://${first.https}`, KEYHOLD_ENDPOINT: first.grpc };

    const { token: tokenCommand, examples } = bannerCommands(first.banner);
    expect(tokenCommand).toEqual(["token", "--principal", "admin"]);
    expect(examples.map((command) => command.slice(0, 2).join(" "))).toEqual(["key create", "key sign", "role assignment"]);
    const minted = await keyhold(tokenCommand, env);
    expect(minted.code, minted.stderr).toBe(0);
    const userEnv = { ...env, KEYHOLD_TOKEN: minted.stdout.trim() };
    const [created, signed, listed] = [
      await keyhold(examples[0]!, userEnv),
      await keyhold(examples[1]!, userEnv),
      await keyhold(examples[2]!, userEnv),
    ];
    for (const run of [created, signed, listed]) expect(run.code, run.stderr).toBe(0);
    expect(created.stdout).toMatch(/kid:\s+https:\/\/dev\.managedhsm\.keyhold\.local\/keys\/demo\//);
    expect(signed.stdout).toMatch(/^signature: [A-Za-z0-9_-]{86}$/m);
    // A header row, then NAME  SCOPE  PRINCIPAL  PRINCIPAL ID  ROLE: the principal's name comes from the data dir's directory.
    expect(listed.stdout.split("\n")[0]).toMatch(/^NAME +SCOPE +PRINCIPAL +PRINCIPAL ID +ROLE$/);
    const roles = (text: string): string[] =>
      text
        .trim()
        .split("\n")
        .slice(1)
        .map((line) =>
          line
            .split(/\s{2,}/)
            .slice(2)
            .join(" "),
        )
        .sort();
    const adminId = listed.stdout
      .trim()
      .split("\n")[1]!
      .split(/\s{2,}/)[3]!;
    expect(roles(listed.stdout)).toEqual([
      `admin ${adminId} Managed HSM Administrator`,
      `admin ${adminId} Managed HSM Crypto Officer`,
      `admin ${adminId} Managed HSM Crypto User`,
    ]);

    // The development security domain: three key pairs and a blob that any two of the keys open.
    for (const file of ["cert1.pem", "cert2.pem", "cert3.pem", "key1.pem", "key2.pem", "key3.pem", "sd.json"])
      expect(existsSync(join(sdDir, file))).toBe(true);
    const blob = JSON.parse(readFileSync(join(sdDir, "sd.json"), "utf8")) as { hsmId: string; required: number; shares: unknown[] };
    expect(blob.required).toBe(2);
    expect(blob.shares).toHaveLength(3);
    const verified = await keyhold(
      [
        "security-domain",
        "verify-shares",
        "--sd-file",
        join(sdDir, "sd.json"),
        "--sd-wrapping-keys",
        join(sdDir, "key2.pem"),
        join(sdDir, "key3.pem"),
      ],
      env,
    );
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`domain of HSM ${blob.hsmId}`);

    // The HSM over the ARM route, as the management plane shows it.
    const subscriptionId = /subscription\s+([0-9a-f-]{36}) \(dev\), resource group dev/.exec(first.banner)?.[1];
    expect(subscriptionId).toBeDefined();
    const hsmPath = `/subscriptions/${subscriptionId}/resourceGroups/dev/providers/Microsoft.KeyVault/managedHSMs/dev`;
    const mgmtToken = await keyhold(["token", "--principal", "admin", "--plane", "management"], env);
    expect(mgmtToken.code, mgmtToken.stderr).toBe(0);
    const caPem = readFileSync(join(dataDir, "tls", "ca.pem"));
    const shown = await armGet(first, caPem, mgmtToken.stdout.trim(), hsmPath);
    expect(shown.status).toBe(200);
    const properties = shown.body["properties"] as {
      hsmUri: string;
      provisioningState: string;
      initialAdminObjectIds: string[];
      securityDomainProperties: { activationStatus: string };
    };
    expect(properties.provisioningState).toBe("Succeeded");
    // The vault URL the Key Vault door answers on, port included (SPEC section 13), as the banner prints it.
    const httpsPort = first.https.slice(first.https.lastIndexOf(":") + 1);
    expect(properties.hsmUri).toBe(`https://dev.managedhsm.keyhold.local:${httpsPort}/`);
    expect(first.banner).toContain(properties.hsmUri.slice(0, -1));
    expect(properties.securityDomainProperties.activationStatus).toBe("Active");
    expect(properties.initialAdminObjectIds).toEqual([adminId]);
    const ownersAtRoot = async (started: Started, token: string): Promise<unknown[]> => {
      const answer = await armGet(started, caPem, token, "/providers/Microsoft.Authorization/roleAssignments");
      expect(answer.status).toBe(200);
      return (answer.body["value"] as { properties: { scope: string; principalId: string; roleDefinitionId: string } }[]).filter(
        (a) => a.properties.scope === "/" && a.properties.principalId === adminId && a.properties.roleDefinitionId === OWNER_ROLE,
      );
    };
    expect(await ownersAtRoot(first, mgmtToken.stdout.trim())).toHaveLength(1);
    const filesBefore = ["sd.json", "key1.pem", "cert1.pem"].map((file) => readFileSync(join(sdDir, file), "utf8"));
    await stopServer(first);

    // A second start on the same data dir: the same HSM, keys, blob and assignments, nothing made twice.
    const second = await serve(dataDir);
    const env2 = { KEYHOLD_DATA_DIR: dataDir, KEYHOLD_ISSUER_URL: `https://${second.https}`, KEYHOLD_ENDPOINT: second.grpc };
    const token2 = await keyhold(tokenCommand, env2);
    const userEnv2 = { ...env2, KEYHOLD_TOKEN: token2.stdout.trim() };
    const signedAgain = await keyhold(examples[1]!, userEnv2);
    expect(signedAgain.code, signedAgain.stderr).toBe(0);
    expect(signedAgain.stdout).toContain(created.stdout.match(/kid:\s+(\S+)/)![1]!);
    const listedAgain = await keyhold(examples[2]!, userEnv2);
    expect(listedAgain.stdout).toBe(listed.stdout);
    expect(["sd.json", "key1.pem", "cert1.pem"].map((file) => readFileSync(join(sdDir, file), "utf8"))).toEqual(filesBefore);
    const mgmt2 = (await keyhold(["token", "--principal", "admin", "--plane", "management"], env2)).stdout.trim();
    const listedHsms = await armGet(second, caPem, mgmt2, `/subscriptions/${subscriptionId}/providers/Microsoft.KeyVault/managedHSMs`);
    expect((listedHsms.body["value"] as { id: string }[]).map((h) => h.id)).toEqual([shown.body["id"]]);
    const shownAgain = await armGet(second, caPem, mgmt2, hsmPath);
    expect(
      (shownAgain.body["properties"] as { securityDomainProperties: { activationStatus: string } }).securityDomainProperties
        .activationStatus,
    ).toBe("Active");
    expect(await ownersAtRoot(second, mgmt2)).toHaveLength(1);
    await stopServer(second);
  });
});
