/**
 * Issue 7, "Proof": the disaster-recovery drill as an operator runs it, every step a `keyhold` command (child
 * process) against one `keyhold serve --dev` on port-0 listeners. HSM A is created and activated (quorum 2 of 3),
 * filled with keys of every type, versions, a custom role, role assignments at / and /keys/<name> and a soft-deleted
 * key, and used to sign and encrypt; its full backup is taken; A is deleted and purged. HSM B is created, gets A's
 * security domain from two of the three key files (after a wrong key file and a changed byte are refused), and the
 * backup is restored into it. B then verifies A's signatures, decrypts A's ciphertexts, signs anew, holds A's roles,
 * versions and deleted key, and its audit journal records the recovery.
 *
 * Needs `npm run build` first (it runs dist/src/cli/index.js).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO, endpointEnvironment, keyhold, killHard, mintToken, serveDev, type DevServer, type Run } from "./recovery-harness.js";

const HSM_A = "DrillA";
const HSM_B = "DrillB";
const ACCOUNT = "drillstore";
const CONTAINER = "mhsm-backups";
const CUSTOM_ROLE = "0dd5c0de-7a11-4c0e-9d1f-0c05d1a9e7b2";
const FIXTURES = join(REPO, "test/fixtures/keys");

let server: DevServer | undefined;
let workDir: string | undefined;
afterEach(async () => {
  if (server !== undefined) await killHard(server);
  server = undefined;
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  workDir = undefined;
});

/** One line `label: value` of a command's text output. */
function field(run: Run, label: string): string {
  const value = new RegExp(`^${label}:\\s+(\\S+)$`, "m").exec(run.stdout)?.[1];
  if (value === undefined) throw new Error(`no '${label}' in: ${run.stdout}${run.stderr}`);
  return value;
}

/** The /keys/<name>/<version> part of a kid: the host names the HSM that answers, the rest is the key version. */
function kidPath(kid: string): string {
  return new URL(kid).pathname;
}

interface Operator {
  /** Runs `keyhold ARGS` in the drill's directory and expects success. */
  ok(args: readonly string[]): Promise<Run>;
  /** Runs `keyhold ARGS` in the drill's directory, whatever its outcome. */
  run(args: readonly string[]): Promise<Run>;
  /** A data-plane command's `--output json`. */
  json<T>(args: readonly string[]): Promise<T>;
  /** A command that prints JSON anyway (directory, management plane). */
  parsed<T>(args: readonly string[]): Promise<T>;
}

function operator(env: Record<string, string>, cwd: string): Operator {
  const run = (args: readonly string[]) => keyhold(args, env, cwd);
  const ok = async (args: readonly string[]) => {
    const result = await run(args);
    expect(result.code, `keyhold ${args.join(" ")}\n${result.stderr}`).toBe(0);
    return result;
  };
  const parsed = async <T>(args: readonly string[]) => JSON.parse((await ok(args)).stdout) as T;
  return { run, ok, parsed, json: <T>(args: readonly string[]) => parsed<T>([...args, "--output", "json"]) };
}

interface KeyView {
  key: { kid: string; key: Record<string, unknown>; attributes: Record<string, unknown> };
}
interface RoleAssignmentView {
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
}

const KEYS = ["rsa-2048", "ec-p256", "ec-p384", "aes-256"] as const;

interface HsmState {
  keys: Record<string, { publicKey: Record<string, unknown>; attributes: Record<string, unknown>; versions: string[] }>;
  listed: string[];
  deleted: { kid: string; deletedDate: string; scheduledPurgeDate: string }[];
  assignmentsAtRoot: RoleAssignmentView[];
  assignmentsAtKey: RoleAssignmentView[];
  definitions: { name: string; roleName: string; permissions: unknown }[];
}

/** What an HSM shows of its keys and roles: compared between A before the disaster and B after the recovery. */
async function hsmState(data: Operator): Promise<HsmState> {
  const keys: HsmState["keys"] = {};
  // Independent reads run side by side: each is a CLI process.
  await Promise.all(
    KEYS.map(async (name) => {
      const [latest, versions] = await Promise.all([data.json<KeyView>(["key", "get", "--name", name]), data.json<{ keys: { kid: string }[] }>(["key", "versions", "--name", name])]);
      keys[name] = { publicKey: { ...latest.key.key, kid: kidPath(latest.key.kid) }, attributes: latest.key.attributes, versions: versions.keys.map((v) => kidPath(v.kid)).sort() };
    }),
  );
  const assignments = async (scope: string) =>
    (await data.json<{ roleAssignments: RoleAssignmentView[] }>(["role", "assignment", "list", "--scope", scope])).roleAssignments
      .map(({ name, scope: at, roleDefinitionId, principalId }) => ({ name, scope: at, roleDefinitionId, principalId }))
      .sort((a, b) => a.name.localeCompare(b.name));
  const definitions = (await data.json<{ roleDefinitions: { name: string; roleName: string; type: string; permissions: unknown }[] }>(["role", "definition", "list"])).roleDefinitions
    .filter((d) => d.type === "CustomRole")
    .map(({ name, roleName, permissions }) => ({ name, roleName, permissions }));
  const deleted =
    (await data.json<{ deletedKeys?: { key?: { kid: string }; deletedDate: string; scheduledPurgeDate: string }[] }>(["key", "deleted"])).deletedKeys?.map((d) => ({
      kid: kidPath(d.key?.kid ?? ""),
      deletedDate: d.deletedDate,
      scheduledPurgeDate: d.scheduledPurgeDate,
    })) ?? [];
  const listed = (await data.json<{ keys?: { kid: string }[] }>(["key", "list"])).keys?.map((k) => kidPath(k.kid)).sort() ?? [];
  return { keys, listed, deleted, assignmentsAtRoot: await assignments("/"), assignmentsAtKey: await assignments("/keys/rsa-2048"), definitions };
}

describe("disaster-recovery drill (built CLI; `npm run build` must have run)", () => {
  it("recovers HSM A's keys, roles and deleted keys into a new HSM B from A's security domain and full backup", async () => {
    workDir = await mkdtemp(join(tmpdir(), "keyhold-drill-"));
    server = await serveDev(join(workDir, "data"));
    const env = endpointEnvironment(server);
    const management = operator({ ...env, KEYHOLD_TOKEN: await mintToken(server, "admin", "management") }, workDir);
    const directory = operator(env, workDir);
    const dataToken = await mintToken(server, "admin");
    const onA = operator({ ...env, KEYHOLD_TOKEN: dataToken, KEYHOLD_HSM: HSM_A }, workDir);
    const onB = operator({ ...env, KEYHOLD_TOKEN: dataToken, KEYHOLD_HSM: HSM_B }, workDir);
    const adminId = (await directory.parsed<{ id: string }>(["directory", "user", "show", "admin"])).id;
    const custodianId = (await directory.parsed<{ id: string }>(["directory", "user", "create", "--display-name", "Key Custodian", "--upn", "custodian@drill"])).id;

    // HSM A, activated by downloading its security domain to three key pairs, any two of which recover it.
    await management.ok(["hsm", "create", "--name", HSM_A, "--location", "westeurope", "--administrators", adminId]);
    await onA.ok(["security-domain", "make-keys", "--count", "3", "--out-dir", "sd-keys"]);
    await onA.ok(["security-domain", "download", "--sd-wrapping-keys", "sd-keys/cert1.pem", "sd-keys/cert2.pem", "sd-keys/cert3.pem", "--sd-quorum", "2", "--security-domain-file", "sd.json"]);
    expect((await onA.ok(["security-domain", "status"])).stdout).toMatch(/^Success/);

    // Local RBAC: crypto roles at /, a custom role and a built-in role on one key.
    await onA.ok(["role", "assignment", "create", "--role", "Managed HSM Crypto Officer", "--assignee", adminId, "--scope", "/"]);
    await onA.ok(["role", "assignment", "create", "--role", "Managed HSM Crypto User", "--assignee", adminId, "--scope", "/"]);
    await onA.ok(["role", "assignment", "create", "--role", "Managed HSM Crypto Auditor", "--assignee", custodianId, "--scope", "/"]);
    const custom = { name: CUSTOM_ROLE, type: "CustomRole", roleName: "Drill Key Custodian", description: "rotates keys without using them", assignableScopes: ["/"], permissions: [{ dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action", "Microsoft.KeyVault/managedHsm/keys/rotate/action"] }] };
    writeFileSync(join(workDir, "custodian.json"), JSON.stringify(custom));
    await onA.ok(["role", "definition", "create", "--file", "custodian.json"]);
    await onA.ok(["role", "assignment", "create", "--role", CUSTOM_ROLE, "--assignee", custodianId, "--scope", "/keys/rsa-2048"]);
    await onA.ok(["role", "assignment", "create", "--role", "Managed HSM Crypto User", "--assignee", custodianId, "--scope", "/keys/rsa-2048"]);

    // Keys of every type, some with two versions (the RSA ones imported from the fixtures), and a soft-deleted key.
    await onA.ok(["key", "import", "--name", "rsa-2048", "--jwk", join(FIXTURES, "rsa-2048-1.json"), "--tags", "team=payments"]);
    await onA.ok(["key", "import", "--name", "rsa-2048", "--jwk", join(FIXTURES, "rsa-2048-2.json")]);
    const ecFirst = field(await onA.ok(["key", "create", "--name", "ec-p256", "--kty", "EC", "--curve", "P-256"]), "kid");
    await onA.ok(["key", "create", "--name", "ec-p256", "--kty", "EC-HSM", "--curve", "P-256"]);
    await onA.ok(["key", "create", "--name", "ec-p384", "--kty", "EC", "--curve", "P-384"]);
    await onA.ok(["key", "create", "--name", "aes-256", "--kty", "oct-HSM", "--size", "256"]);
    await onA.ok(["key", "create", "--name", "aes-256", "--kty", "oct-HSM", "--size", "256"]);
    await onA.ok(["key", "create", "--name", "retired", "--kty", "EC", "--curve", "P-256"]);
    await onA.ok(["key", "delete", "--name", "retired"]);

    // Results made by A, kept to be checked by B.
    writeFileSync(join(workDir, "message.txt"), "invoice 7: pay 100 EUR to Contoso");
    writeFileSync(join(workDir, "secret.bin"), "the plaintext A encrypted");
    const ecFirstVersion = new URL(ecFirst).pathname.split("/")[3]!;
    const signatures = [
      { name: "rsa-2048", alg: "PS256", version: undefined },
      { name: "rsa-2048", alg: "RS256", version: undefined },
      { name: "ec-p256", alg: "ES256", version: ecFirstVersion },
      { name: "ec-p256", alg: "ES256", version: undefined },
      { name: "ec-p384", alg: "ES384", version: undefined },
      { name: "aes-256", alg: "HS256", version: undefined },
    ] as const;
    const signed = await Promise.all(
      signatures.map(async (s) => {
        const run = await onA.ok(["key", "sign", "--name", s.name, "--alg", s.alg, "--data-file", "message.txt", ...(s.version === undefined ? [] : ["--version", s.version])]);
        return { ...s, kid: field(run, "kid"), signature: field(run, "signature") };
      }),
    );
    const rsaSealed = await onA.ok(["key", "encrypt", "--name", "rsa-2048", "--alg", "RSA-OAEP-256", "--in", "secret.bin"]);
    const gcmSealed = await onA.ok(["key", "encrypt", "--name", "aes-256", "--alg", "A256GCM", "--in", "secret.bin", "--aad", "ZHJpbGw"]);
    const wrapped = await onA.ok(["key", "wrap", "--name", "aes-256", "--alg", "A256KW", "--value", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]);
    const stateOfA = await hsmState(onA);
    expect(KEYS.map((name) => stateOfA.keys[name]?.versions.length)).toEqual([2, 2, 1, 2]);
    expect(stateOfA.listed).toHaveLength(4);
    expect(stateOfA.deleted.map((d) => d.kid)).toEqual([expect.stringMatching(/^\/keys\/retired\//)]);
    expect(stateOfA.assignmentsAtRoot.length).toBeGreaterThanOrEqual(4);
    expect(stateOfA.assignmentsAtKey.map((a) => a.roleDefinitionId)).toContainEqual(expect.stringContaining(CUSTOM_ROLE));
    expect(stateOfA.definitions.map((d) => d.roleName)).toEqual(["Drill Key Custodian"]);

    // The full backup of A into a storage account's container.
    await management.ok(["storage", "create", "--name", ACCOUNT, "--location", "westeurope"]);
    const backup = await onA.json<{ status: string; folder: string }>(["backup", "start", "--storage-account-id", ACCOUNT, "--container", CONTAINER]);
    expect(backup.status).toBe("Succeeded");
    expect(backup.folder).toMatch(new RegExp(`^mhsm-${HSM_A}-\\d{14}$`));

    // The disaster: A is deleted and purged.
    await management.ok(["hsm", "delete", "--name", HSM_A]);
    await management.ok(["hsm", "purge", "--name", HSM_A, "--location", "westeurope"]);
    expect((await management.run(["hsm", "show", "--name", HSM_A])).code).not.toBe(0);

    // HSM B and its transfer key; the restore blob is made offline from A's domain and key files.
    await management.ok(["hsm", "create", "--name", HSM_B, "--location", "westeurope", "--administrators", adminId]);
    expect((await onB.ok(["security-domain", "status"])).stdout).toMatch(/^NotActivated/);
    await onB.ok(["security-domain", "transfer-key", "--output-file", "transfer-key.json"]);
    await onB.ok(["security-domain", "make-keys", "--count", "3", "--out-dir", "unrelated-keys"]);
    const wrongKey = await onB.run(["security-domain", "restore-blob", "--sd-file", "sd.json", "--sd-wrapping-keys", "sd-keys/key1.pem", "unrelated-keys/key2.pem", "--sd-exchange-key", "transfer-key.json", "--output-file", "wrong.json"]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/unrelated-keys\/key2\.pem.*matches none of the certificates/);
    await onB.ok(["security-domain", "restore-blob", "--sd-file", "sd.json", "--sd-wrapping-keys", "sd-keys/key1.pem", "sd-keys/key3.pem", "--sd-exchange-key", "transfer-key.json", "--output-file", "restore.json"]);

    // One changed byte in a share of the blob: the upload fails and B stays not activated.
    const blob = readFileSync(join(workDir, "restore.json"), "utf8");
    const at = blob.indexOf('"encryptedKey":"') + '"encryptedKey":"'.length + 20;
    writeFileSync(join(workDir, "changed.json"), `${blob.slice(0, at)}${blob[at] === "A" ? "B" : "A"}${blob.slice(at + 1)}`);
    const changed = await onB.run(["security-domain", "upload", "--sd-file", "changed.json"]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/CryptoFailure/);
    expect((await onB.ok(["security-domain", "status"])).stdout).toMatch(/^NotActivated/);

    const uploaded = await onB.json<{ status: string; statusDetails: string }>(["security-domain", "upload", "--sd-file", "restore.json"]);
    expect(uploaded.status).toBe("Success");
    expect((await onB.run(["security-domain", "upload", "--sd-file", "restore.json"])).stderr).toMatch(/already activated/);

    // The backup restored into B: B holds exactly what A held.
    const restore = await onB.json<{ status: string }>(["restore", "start", "--storage-account-id", ACCOUNT, "--container", CONTAINER, "--folder", backup.folder]);
    expect(restore.status).toBe("Succeeded");
    expect(await hsmState(onB)).toEqual(stateOfA);
    const deletedOnB = await onB.run(["key", "get", "--name", "retired"]);
    expect(deletedOnB.stderr).toMatch(/NOT_FOUND|deleted/i);

    // B verifies what A signed, with the versions A used, and decrypts and unwraps what A sealed.
    const verdicts = await Promise.all(
      signed.map(async (s) => {
        const verified = await onB.ok(["key", "verify", "--name", s.name, "--alg", s.alg, "--version", kidPath(s.kid).split("/")[3]!, "--data-file", "message.txt", "--signature", s.signature]);
        return `${s.name} ${s.alg} ${verified.stdout.trim()}`;
      }),
    );
    expect(verdicts).toEqual(signed.map((s) => `${s.name} ${s.alg} valid`));
    const rsaOpened = await onB.ok(["key", "decrypt", "--name", "rsa-2048", "--alg", "RSA-OAEP-256", "--value", field(rsaSealed, "ciphertext"), "--out", "rsa-opened.bin"]);
    expect(rsaOpened.code).toBe(0);
    expect(readFileSync(join(workDir, "rsa-opened.bin"), "utf8")).toBe("the plaintext A encrypted");
    await onB.ok(["key", "decrypt", "--name", "aes-256", "--alg", "A256GCM", "--value", field(gcmSealed, "ciphertext"), "--iv", field(gcmSealed, "iv"), "--tag", field(gcmSealed, "tag"), "--aad", "ZHJpbGw", "--out", "gcm-opened.bin"]);
    expect(readFileSync(join(workDir, "gcm-opened.bin"), "utf8")).toBe("the plaintext A encrypted");
    expect(field(await onB.ok(["key", "unwrap", "--name", "aes-256", "--alg", "A256KW", "--value", field(wrapped, "wrapped key")]), "key")).toBe("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");

    // And signs anew.
    const fresh = await Promise.all(
      (["rsa-2048:PS256", "ec-p256:ES256", "ec-p384:ES384", "aes-256:HS256"] as const).map(async (pair) => {
        const [name, alg] = pair.split(":") as [string, string];
        const signature = field(await onB.ok(["key", "sign", "--name", name, "--alg", alg, "--data-file", "message.txt"]), "signature");
        return `${pair} ${(await onB.ok(["key", "verify", "--name", name, "--alg", alg, "--data-file", "message.txt", "--signature", signature])).stdout.trim()}`;
      }),
    );
    expect(fresh).toEqual(["rsa-2048:PS256 valid", "ec-p256:ES256 valid", "ec-p384:ES384 valid", "aes-256:HS256 valid"]);

    // The restored roles decide access on B: the custodian may read rsa-2048 but not sign with ec-p256.
    const custodian = operator({ ...env, KEYHOLD_TOKEN: await mintToken(server, "custodian@drill"), KEYHOLD_HSM: HSM_B }, workDir);
    await custodian.ok(["key", "get", "--name", "rsa-2048"]);
    await custodian.ok(["key", "sign", "--name", "rsa-2048", "--alg", "PS256", "--data-file", "message.txt"]);
    expect((await custodian.run(["key", "sign", "--name", "ec-p256", "--alg", "ES256", "--data-file", "message.txt"])).stderr).toMatch(/ForbiddenByRbac/);

    // B's audit journal records the recovery.
    const journal = await directory.ok(["audit", "query", "--hsm-name", HSM_B]);
    const events = journal.stdout.trim().split("\n").map((line) => JSON.parse(line) as { operationName: string; resultType: string });
    const succeeded = (operation: string) => events.filter((e) => e.operationName === operation && e.resultType === "Success").length;
    expect(succeeded("SecurityDomainUpload")).toBe(1);
    expect(events.some((e) => e.operationName === "SecurityDomainUpload" && e.resultType !== "Success")).toBe(true);
    expect(succeeded("RestoreStart")).toBe(1);
  });
});
