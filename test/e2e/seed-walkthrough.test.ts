/**
 * The README's walkthrough of the seed's scenario (Managed HSM access control: security team, auditors, application,
 * storage identity), run as a user runs it: every step below is the README's shell text, verbatim, executed by bash
 * against a `keyhold serve --dev` started here on port-0 listeners. Only the endpoints of the first step are
 * substituted, and `npx keyhold` resolves to the built CLI (as npx does inside the repo, without npm's start-up).
 *
 * Needs `npm run build` first (`npm test` runs it as its pretest step), and bash, jq and curl, which the README uses.
 */
import { execFile, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, cleanEnvironment, startDevServer } from "../helpers/dev-server.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MANAGED_HSM_CONTRIBUTOR = "18500a29-7fe2-46b2-a342-b16a415e101d";
const STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** The README's steps, in order; `{{GRPC}}` and `{{HTTPS}}` stand for the defaults 127.0.0.1:7443 and 127.0.0.1:8443. */
const STEP = {
  endpoints: `export KEYHOLD_ENDPOINT={{GRPC}}
export KEYHOLD_MANAGEMENT_ENDPOINT={{HTTPS}}
export KEYHOLD_ISSUER_URL=https://{{HTTPS}}
export KEYHOLD_SUBSCRIPTION=de7e1000-0000-4000-8000-000000000001
export KEYHOLD_RESOURCE_GROUP=dev`,

  directory: `npx keyhold directory group create --display-name "Contoso Security Team"
npx keyhold directory user create --display-name "Sam Security" --upn sam@contoso
npx keyhold directory group add-member "Contoso Security Team" sam@contoso
npx keyhold directory group create --display-name "Contoso App Auditors"
npx keyhold directory user create --display-name "Avery Auditor" --upn avery@contoso
npx keyhold directory group add-member "Contoso App Auditors" avery@contoso
npx keyhold directory sp create --display-name contoso-app
npx keyhold directory mi create --display-name contosologstorage-identity`,

  ids: `export TENANT_ID=$(npx keyhold directory tenant list | jq -r '.[0].id')
export TEAM_ID=$(npx keyhold directory group show "Contoso Security Team" | jq -r .id)
export AUDITORS_ID=$(npx keyhold directory group show "Contoso App Auditors" | jq -r .id)
export APP_ID=$(npx keyhold directory sp show contoso-app | jq -r .id)
export APP_CLIENT_ID=$(npx keyhold directory sp show contoso-app | jq -r .appId)
export APP_SECRET=$(npx keyhold directory sp add-password contoso-app --display-name contoso-app-secret | jq -r .secretText)
export STORAGE_MI_ID=$(npx keyhold directory mi show contosologstorage-identity | jq -r .id)`,

  contributor: `export KEYHOLD_TOKEN=$(npx keyhold token --principal admin --plane management)
npx keyhold mgmt role assignment create --role "Managed HSM Contributor" --assignee $TEAM_ID --scope /subscriptions/$KEYHOLD_SUBSCRIPTION`,

  createHsm: `export KEYHOLD_TOKEN=$(npx keyhold token --principal sam@contoso --plane management)
npx keyhold hsm create --name ContosoMHSM --location westeurope --administrators $TEAM_ID
export KEYHOLD_HSM=ContosoMHSM`,

  activate: `export KEYHOLD_TOKEN=$(npx keyhold token --principal sam@contoso)
npx keyhold security-domain make-keys --out-dir contoso-sd
npx keyhold security-domain download --sd-wrapping-keys contoso-sd/cert1.pem contoso-sd/cert2.pem contoso-sd/cert3.pem --sd-quorum 2 --security-domain-file contoso-sd/ContosoMHSM-SD.json
npx keyhold security-domain status`,

  storage: `export KEYHOLD_TOKEN=$(npx keyhold token --principal admin --plane management)
export STORAGE_ID=$(npx keyhold storage create --name contosologstorage --location westeurope | jq -r .id)`,

  logging: `export KEYHOLD_TOKEN=$(npx keyhold token --principal sam@contoso --plane management)
export HSM_ID=$(npx keyhold hsm show --name ContosoMHSM | jq -r .id)
npx keyhold hsm show --name ContosoMHSM | jq -r .properties.securityDomainProperties.activationStatus
npx keyhold diagnostic-settings create --name MHSM-Diagnostics --resource $HSM_ID --storage-account $STORAGE_ID --logs '[{"category": "AuditEvent", "enabled": true}]'`,

  dataRoles: `export KEYHOLD_TOKEN=$(npx keyhold token --principal sam@contoso)
npx keyhold role assignment create --role "Managed HSM Crypto Auditor" --assignee $AUDITORS_ID --scope /
npx keyhold role assignment create --role "Managed HSM Crypto User" --assignee $APP_ID --scope /keys/contoso-signing
npx keyhold role assignment create --role "Managed HSM Crypto Service Encryption User" --assignee $STORAGE_MI_ID --scope /`,

  custodian: `cat > contoso-key-custodian.json <<'EOF'
{
  "name": "5ec0c0de-7a11-4c0e-9d1f-0c05d1a9e7b2",
  "type": "CustomRole",
  "roleName": "Contoso Key Custodian",
  "description": "Create, import, rotate and read keys, but not use them",
  "assignableScopes": ["/"],
  "permissions": [{ "dataActions": [
    "Microsoft.KeyVault/managedHsm/keys/create",
    "Microsoft.KeyVault/managedHsm/keys/import/action",
    "Microsoft.KeyVault/managedHsm/keys/rotate/action",
    "Microsoft.KeyVault/managedHsm/keys/write/action",
    "Microsoft.KeyVault/managedHsm/keys/read/action"
  ] }]
}
EOF
npx keyhold role definition create --file contoso-key-custodian.json
npx keyhold role assignment create --role 5ec0c0de-7a11-4c0e-9d1f-0c05d1a9e7b2 --assignee $TEAM_ID --scope /keys
npx keyhold key create --name contoso-signing --kty RSA-HSM --size 2048 --ops sign verify`,

  teamCannotSign: `printf 'invoice 42: pay 100 EUR to Contoso' > invoice.txt
npx keyhold key sign --name contoso-signing --alg PS256 --data-file invoice.txt`,

  appSigns: `export KEYHOLD_TOKEN=$(curl -sS --fail --cacert .keyhold/tls/ca.pem "$KEYHOLD_ISSUER_URL/$TENANT_ID/oauth2/v2.0/token" -d grant_type=client_credentials -d client_id=$APP_CLIENT_ID --data-urlencode client_secret=$APP_SECRET -d scope=https://managedhsm.azure.net/.default | jq -r .access_token)
npx keyhold key sign --name contoso-signing --alg PS256 --data-file invoice.txt`,

  auditorsReader: `export KEYHOLD_TOKEN=$(npx keyhold token --principal admin --plane management)
npx keyhold mgmt role assignment create --role "Storage Blob Data Reader" --assignee $AUDITORS_ID --scope $STORAGE_ID`,

  readAuditBlob: `export KEYHOLD_TOKEN=$(npx keyhold token --principal avery@contoso --plane management)
npx keyhold storage blob list --account-name contosologstorage --container insights-logs-auditevent | jq -r '.[].name' |
  while read -r blob; do npx keyhold storage blob download --account-name contosologstorage --container insights-logs-auditevent --name "$blob"; done > contoso-audit.jsonl
jq -c 'select(.operationName == "KeySign" and .resultType == "Success") | {time, identity, key: .properties.keyName, decidingAssignment: .properties.decidingAssignment}' contoso-audit.jsonl`,

  auditorReadsKeys: `export KEYHOLD_TOKEN=$(npx keyhold token --principal avery@contoso)
npx keyhold key list
npx keyhold role assignment list`,

  auditorCannotSign: `npx keyhold key sign --name contoso-signing --alg PS256 --data-file invoice.txt`,
} as const;

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
afterEach(async () => {
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
        const wrapped = `set -eo pipefail\n[ -f "${state}" ] && source "${state}"\n${NPX_KEYHOLD}\n${script}\nexport -p > "${state}"\n`;
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
  it("sets up the security team, auditors and application, signs as the application and finds the signature in the audit blob", async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    for (const tool of ["bash", "jq", "curl"]) expect(() => execFileSync("bash", ["-c", `command -v ${tool}`]), `${tool} is needed`).not.toThrow();
    const cwd = await mkdtemp(join(tmpdir(), "keyhold-walkthrough-"));
    workDir = cwd;
    const endpoints = await serve(cwd);
    const session = shell(cwd);

    await succeeds(session, STEP.endpoints.replaceAll("{{GRPC}}", endpoints.grpc).replaceAll("{{HTTPS}}", endpoints.https));

    const directory = await succeeds(session, STEP.directory);
    expect(directory).toContain('"displayName": "Contoso Security Team"');
    expect(directory).toContain('"servicePrincipalType": "ManagedIdentity"');
    await succeeds(session, STEP.ids);
    for (const name of ["TENANT_ID", "TEAM_ID", "AUDITORS_ID", "APP_ID", "APP_CLIENT_ID", "STORAGE_MI_ID"]) expect(session.variable(name), name).toMatch(GUID);
    expect(session.variable("APP_SECRET").length).toBeGreaterThanOrEqual(32);
    const [teamId, auditorsId, appId, storageIdentityId] = ["TEAM_ID", "AUDITORS_ID", "APP_ID", "STORAGE_MI_ID"].map((name) => session.variable(name));

    const contributor = json(await succeeds(session, STEP.contributor))["properties"] as { roleDefinitionId: string; principalId: string; scope: string };
    expect(contributor.roleDefinitionId).toContain(MANAGED_HSM_CONTRIBUTOR);
    expect(contributor.principalId).toBe(teamId);

    const hsm = json(await succeeds(session, STEP.createHsm));
    const hsmProperties = hsm["properties"] as { provisioningState: string; initialAdminObjectIds: string[]; securityDomainProperties: { activationStatus: string } };
    expect(hsm["name"]).toBe("ContosoMHSM");
    expect(hsmProperties.provisioningState).toBe("Succeeded");
    expect(hsmProperties.initialAdminObjectIds).toEqual([teamId]);
    expect(hsmProperties.securityDomainProperties.activationStatus).toBe("NotActivated");

    const activation = await succeeds(session, STEP.activate);
    expect(activation).toContain("Security domain written to contoso-sd/ContosoMHSM-SD.json: 3 shares, any 2 recover it.");
    expect(activation).toMatch(/^Success: .*activated/m);
    expect((json(readFileSync(join(cwd, "contoso-sd/ContosoMHSM-SD.json"), "utf8"))["shares"] as unknown[]).length).toBe(3);

    await succeeds(session, STEP.storage);
    expect(session.variable("STORAGE_ID")).toMatch(/\/resourceGroups\/dev\/providers\/Microsoft\.Storage\/storageAccounts\/contosologstorage$/);
    const logging = await succeeds(session, STEP.logging);
    expect(logging.split("\n")[0]).toBe("Active");
    const setting = json(logging.slice(logging.indexOf("{")))["properties"] as { storageAccountId: string; logs: unknown[] };
    expect(setting.storageAccountId).toBe(session.variable("STORAGE_ID"));
    expect(setting.logs).toEqual([{ category: "AuditEvent", enabled: true }]);

    const dataRoles = await succeeds(session, STEP.dataRoles);
    expect(dataRoles).toMatch(new RegExp(`  /  ${auditorsId}  Managed HSM Crypto Auditor$`, "m"));
    expect(dataRoles).toMatch(new RegExp(`  /keys/contoso-signing  ${appId}  Managed HSM Crypto User$`, "m"));
    expect(dataRoles).toMatch(new RegExp(`  /  ${storageIdentityId}  Managed HSM Crypto Service Encryption User$`, "m"));

    const custodian = await succeeds(session, STEP.custodian);
    expect(custodian).toMatch(/^role name: +Contoso Key Custodian$/m);
    expect(custodian).toMatch(/^kid: +https:\/\/ContosoMHSM\.managedhsm\.keyhold\.local\/keys\/contoso-signing\/[0-9a-f]{32}$/m);
    expect(custodian).toMatch(/^key: +RSA-HSM 2048 bits$/m);

    const teamSigns = await session.step(STEP.teamCannotSign);
    expect(teamSigns.code).toBe(1);
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
      keySignEvents = audit.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as (typeof keySignEvents)[number]);
    }
    expect(keySignEvents).toHaveLength(1);
    expect(keySignEvents[0]!.identity.oid).toBe(appId);
    expect(keySignEvents[0]!.identity.appid).toBe(session.variable("APP_CLIENT_ID"));
    expect(keySignEvents[0]!.key).toBe("contoso-signing");
    expect(keySignEvents[0]!.decidingAssignment).toMatch(/^\/keys\/contoso-signing\/providers\/Microsoft\.Authorization\/roleAssignments\//);
    // The team member's refused signature is in the same blob: denials are audited too.
    const blobEvents = readFileSync(join(cwd, "contoso-audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { operationName: string; resultType: string; identity: { upn?: string } });
    expect(blobEvents.some((e) => e.operationName === "KeySign" && e.resultType === "Failure" && e.identity.upn === "sam@contoso")).toBe(true);

    const auditorReads = await succeeds(session, STEP.auditorReadsKeys);
    expect(auditorReads).toContain("contoso-signing");
    expect(auditorReads).toMatch(new RegExp(`  /  ${auditorsId}  Managed HSM Crypto Auditor$`, "m"));

    const auditorSigns = await session.step(STEP.auditorCannotSign);
    expect(auditorSigns.code).toBe(1);
    expect(auditorSigns.stderr).toContain("PERMISSION_DENIED (ForbiddenByRbac)");
    expect(auditorSigns.stdout).not.toMatch(/signature:/);
  });
});
