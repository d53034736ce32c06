/**
 * The README's walkthrough of the seed's scenario (Managed HSM access control: security team, auditors, application,
 * storage identity) and its disaster-recovery section, run as a user runs them: every shell block of those two sections
 * is read out of README.md and executed verbatim by bash (under `set -euo pipefail`, which the README's first block also
 * sets) against a `keyhold serve --dev` started here on port-0 listeners, in a fresh folder. Nothing is substituted:
 * the commands find the server through `.keyhold/endpoints.json`, and `npx keyhold` resolves to the built CLI (as npx
 * does inside the repo, without npm's start-up).
 *
 * Needs `npm run build` first (`npm test` runs it as its pretest step), and bash, jq and curl, which the README uses.
 */
import { execFile, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, cleanEnvironment, startDevServer } from "../helpers/dev-server.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MANAGED_HSM_CONTRIBUTOR = "18500a29-7fe2-46b2-a342-b16a415e101d";
const STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** The README's steps, in order: the name of each shell block of its walkthrough and disaster-recovery sections. */
const STEP_NAMES = [
  "setup",
  "directory",
  "ids",
  "contributor",
  "createHsm",
  "activate",
  "storage",
  "logging",
  "dataRoles",
  "custodian",
  "teamCannotSign",
  "appSigns",
  "auditorsReader",
  "readAuditBlob",
  "auditorReadsKeys",
  "auditorCannotSign",
  "backup",
  "recover",
] as const;

/** Every ```sh block between the walkthrough's heading and the next section after "Disaster recovery", verbatim. */
export function readmeSteps(readme: string): Record<(typeof STEP_NAMES)[number], string> {
  const from = readme.indexOf("## Walkthrough: the seed's scenario");
  const recovery = readme.indexOf("## Disaster recovery", from);
  const to = readme.indexOf("\n## ", recovery + 1);
  expect(from >= 0 && recovery > from && to > recovery, "the README's walkthrough and disaster-recovery sections").toBe(true);
  const blocks = [...readme.slice(from, to).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!.trimEnd());
  expect(blocks, "one shell block per step of STEP_NAMES").toHaveLength(STEP_NAMES.length);
  return Object.fromEntries(STEP_NAMES.map((name, i) => [name, blocks[i]!])) as Record<(typeof STEP_NAMES)[number], string>;
}

const STEP = readmeSteps(readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8"));

/** `npx keyhold ...` as npx runs it in the repo: the package's own bin. Every other npx call goes to the real npx. */
const NPX_KEYHOLD = `npx() { if [ "$1" = keyhold ]; then shift; node "$KEYHOLD_CLI" "$@"; else command npx "$@"; fi; }`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Shell {
  /** Runs one step in bash, in the walkthrough's directory, with the variables every earlier step exported. */
  step(script: string): Promise<Run>;
  /** The value of a variable the steps exported. */
  variable(name: string): string;
}

let child: ChildProcess | undefined;
let workDir: string | undefined;
// After both tests: the recovery test goes on with the walkthrough's server and folder.
afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
  child = undefined;
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  workDir = undefined;
});

/** `keyhold serve --dev` in `cwd` (so its data dir is the default ./.keyhold there), resolved once it accepts calls. */
async function serve(cwd: string): Promise<{ grpc: string; https: string }> {
  const started = await startDevServer({ cwd });
  child = started.proc;
  return started;
}

/** A bash session across child processes: each step sources the exports of the one before and saves its own. */
function shell(cwd: string): Shell {
  const state = join(cwd, ".walkthrough-env.sh");
  const env = { ...cleanEnvironment(), KEYHOLD_CLI: CLI };
  return {
    step: (script) =>
      new Promise((done) => {
        const wrapped = `set -euo pipefail\n[ -f "${state}" ] && source "${state}"\n${NPX_KEYHOLD}\n${script}\nexport -p > "${state}"\n`;
        execFile("bash", ["-c", wrapped], { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
          done({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
        });
      }),
    variable: (name) => execFileSync("bash", ["-c", `source "${state}"; printf %s "\${${name}}"`], { cwd, env }).toString(),
  };
}

function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

async function succeeds(session: Shell, script: string): Promise<string> {
  const run = await session.step(script);
  expect(run.code, `${script}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

describe("the seed's scenario, as the README walks through it (built CLI; `npm run build` must have run)", () => {
  // The disaster-recovery section continues in the same shell and data dir, as a reader goes on reading.
  let session: ReturnType<typeof shell>;
  let cwd: string;

  it("sets up the security team, auditors and application, signs as the application and finds the signature in the audit blob", async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    for (const tool of ["bash", "jq", "curl"])
      expect(() => execFileSync("bash", ["-c", `command -v ${tool}`]), `${tool} is needed`).not.toThrow();
    cwd = await mkdtemp(join(tmpdir(), "keyhold-walkthrough-"));
    workDir = cwd;
    // Free ports, not the defaults: the README's commands must find the server through .keyhold/endpoints.json.
    const endpoints = await serve(cwd);
    session = shell(cwd);

    await succeeds(session, STEP.setup);
    expect(session.variable("KEYHOLD_ISSUER_URL")).toBe(`https://${endpoints.https}`);

    const directory = await succeeds(session, STEP.directory);
    expect(directory).toContain('"displayName": "Contoso Security Team"');
    expect(directory).toContain('"servicePrincipalType": "ManagedIdentity"');
    // Safe to repeat: the same principals, no duplicate, and `show NAME` still names one principal.
    const again = await succeeds(session, STEP.directory);
    expect(again).toBe(directory.replace(/,\n  "passwordProfile": \{\n    "password": "[^"]*"\n  \}/g, ""));
    await succeeds(session, STEP.ids);
    for (const name of ["TENANT_ID", "APP_CLIENT_ID"]) expect(session.variable(name), name).toMatch(GUID);
    expect(session.variable("APP_SECRET").length).toBeGreaterThanOrEqual(32);
    const idOf = async (kind: string, name: string): Promise<string> =>
      json(await succeeds(session, `npx keyhold directory ${kind} show "${name}"`))["id"] as string;
    const [teamId, auditorsId, appId, storageIdentityId] = [
      await idOf("group", "Contoso Security Team"),
      await idOf("group", "Contoso App Auditors"),
      await idOf("sp", "contoso-app"),
      await idOf("mi", "contosologstorage-identity"),
    ];
    for (const id of [teamId, auditorsId, appId, storageIdentityId]) expect(id).toMatch(GUID);

    const contributor = json(await succeeds(session, STEP.contributor))["properties"] as {
      roleDefinitionId: string;
      principalId: string;
      scope: string;
    };
    expect(contributor.roleDefinitionId).toContain(MANAGED_HSM_CONTRIBUTOR);
    expect(contributor.principalId).toBe(teamId);

    const hsm = json(await succeeds(session, STEP.createHsm));
    const hsmProperties = hsm["properties"] as {
      provisioningState: string;
      initialAdminObjectIds: string[];
      securityDomainProperties: { activationStatus: string };
    };
    expect(hsm["name"]).toBe("ContosoMHSM");
    expect(hsmProperties.provisioningState).toBe("Succeeded");
    expect(hsmProperties.initialAdminObjectIds).toEqual([teamId]);
    expect(hsmProperties.securityDomainProperties.activationStatus).toBe("NotActivated");

    const activation = await succeeds(session, STEP.activate);
    expect(activation).toContain("Security domain written to .keyhold/security-domain/ContosoMHSM-SD.json: 3 shares, any 2 recover it.");
    expect(activation).toMatch(/^Success: .*activated/m);
    expect((json(readFileSync(join(cwd, ".keyhold/security-domain/ContosoMHSM-SD.json"), "utf8"))["shares"] as unknown[]).length).toBe(3);
    expect(readdirSync(cwd).filter((file) => file.endsWith(".pem"))).toEqual([]);

    await succeeds(session, STEP.storage);
    expect(session.variable("STORAGE_ID")).toMatch(
      /\/resourceGroups\/dev\/providers\/Microsoft\.Storage\/storageAccounts\/contosologstorage$/,
    );
    const logging = await succeeds(session, STEP.logging);
    expect(logging.split("\n")[0]).toBe("Active");
    const setting = json(logging.slice(logging.indexOf("{")))["properties"] as { storageAccountId: string; logs: unknown[] };
    expect(setting.storageAccountId).toBe(session.variable("STORAGE_ID"));
    expect(setting.logs).toEqual([{ category: "AuditEvent", enabled: true }]);

    const dataRoles = await succeeds(session, STEP.dataRoles);
    expect(dataRoles).toMatch(/^NAME +SCOPE +PRINCIPAL +PRINCIPAL ID +ROLE$/m);
    expect(dataRoles).toMatch(new RegExp(`^\\S+ +/ +Contoso App Auditors +${auditorsId} +Managed HSM Crypto Auditor$`, "m"));
    expect(dataRoles).toMatch(new RegExp(`^\\S+ +/keys/contoso-signing +contoso-app +${appId} +Managed HSM Crypto User$`, "m"));
    expect(dataRoles).toMatch(
      new RegExp(`^\\S+ +/ +contosologstorage-identity +${storageIdentityId} +Managed HSM Crypto Service Encryption User$`, "m"),
    );

    const custodian = await succeeds(session, STEP.custodian);
    expect(custodian).toMatch(/^role name: +Contoso Key Custodian$/m);
    expect(custodian).toMatch(/^kid: +https:\/\/ContosoMHSM\.managedhsm\.keyhold\.local\/keys\/contoso-signing\/[0-9a-f]{32}$/m);
    expect(custodian).toMatch(/^key: +RSA-HSM 2048 bits$/m);

    // The README tests the refusal itself: the step succeeds when the signature is refused.
    const teamSigns = await session.step(STEP.teamCannotSign);
    expect(teamSigns.code, teamSigns.stderr).toBe(0);
    expect(teamSigns.stderr).toContain("PERMISSION_DENIED (ForbiddenByRbac)");

    const appSigns = await succeeds(session, STEP.appSigns);
    expect(appSigns).toMatch(/^signature: [A-Za-z0-9_-]{342}$/m);
    const appToken = json(Buffer.from(session.variable("KEYHOLD_TOKEN").split(".")[1]!, "base64url").toString());
    expect(appToken["oid"]).toBe(appId);
    expect(appToken["appid"]).toBe(session.variable("APP_CLIENT_ID"));

    const reader = json(await succeeds(session, STEP.auditorsReader))["properties"] as { roleDefinitionId: string; principalId: string };
    expect(reader.roleDefinitionId).toContain(STORAGE_BLOB_DATA_READER);
    expect(reader.principalId).toBe(auditorsId);

    // Delivery to the storage account takes a few seconds; the auditor runs the same step again until it is there.
    let keySignEvents: { identity: { oid: string; appid?: string }; key: string; decidingAssignment: string }[] = [];
    for (let attempt = 0; attempt < 20 && keySignEvents.length === 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      const audit = await succeeds(session, STEP.readAuditBlob);
      keySignEvents = audit
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as (typeof keySignEvents)[number]);
    }
    expect(keySignEvents).toHaveLength(1);
    expect(keySignEvents[0]!.identity.oid).toBe(appId);
    expect(keySignEvents[0]!.identity.appid).toBe(session.variable("APP_CLIENT_ID"));
    expect(keySignEvents[0]!.key).toBe("contoso-signing");
    expect(keySignEvents[0]!.decidingAssignment).toMatch(
      /^\/keys\/contoso-signing\/providers\/Microsoft\.Authorization\/roleAssignments\//,
    );
    // The team member's refused signature is in the same blob: denials are audited too.
    const blobEvents = readFileSync(join(cwd, "contoso-audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { operationName: string; resultType: string; identity: { upn?: string } });
    expect(blobEvents.some((e) => e.operationName === "KeySign" && e.resultType === "Failure" && e.identity.upn === "sam@contoso")).toBe(
      true,
    );

    const auditorReads = await succeeds(session, STEP.auditorReadsKeys);
    expect(auditorReads).toContain("contoso-signing");
    expect(auditorReads).toMatch(/^NAME +VERSION +KEY +STATE +EXPIRES$/m);
    expect(auditorReads).toMatch(new RegExp(`^\\S+ +/ +Contoso App Auditors +${auditorsId} +Managed HSM Crypto Auditor$`, "m"));

    const auditorSigns = await session.step(STEP.auditorCannotSign);
    expect(auditorSigns.code, auditorSigns.stderr).toBe(0);
    expect(auditorSigns.stderr).toContain("PERMISSION_DENIED (ForbiddenByRbac)");
    expect(auditorSigns.stdout).not.toMatch(/signature:/);
  });

  it("recovers: a backup of ContosoMHSM by job id, a second HSM given the same security domain, the backup restored into it", async () => {
    // A backup of ContosoMHSM (its job shown by id), a second HSM that gets the same security domain from two of the
    // three key files, and the backup restored into it.
    expect(session, "the walkthrough ran first").toBeDefined();
    const backup = await succeeds(session, STEP.backup);
    expect(backup).toMatch(/\/storageAccounts\/contosobackups$/m);
    expect(backup).toMatch(new RegExp(`^Succeeded: job ${session.variable("BACKUP_JOB")}, folder mhsm-ContosoMHSM-\\d{14}$`, "m"));
    expect(session.variable("BACKUP_FOLDER")).toMatch(/^mhsm-ContosoMHSM-\d{14}$/);
    const recovered = await succeeds(session, STEP.recover);
    expect(recovered.split("\n")[0]).toBe("NotActivated");
    expect(recovered).toMatch(/^Success: /m);
    expect(recovered).toMatch(/^Succeeded: job \S+, folder mhsm-ContosoMHSM-\d{14}$/m);
    expect(recovered).toMatch(/^contoso-signing +[0-9a-f]{32} +\S+ +enabled +-$/m);
    // The keys, key pairs and blobs are in the data dir; the folder the walkthrough runs in holds only its own files.
    expect(
      readdirSync(cwd)
        .filter((file) => !file.startsWith("."))
        .sort(),
    ).toEqual(["contoso-audit.jsonl", "contoso-key-custodian.json", "invoice.txt"]);
  });
});
