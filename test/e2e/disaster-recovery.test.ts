/**
 * Issue 7, "Proof": the disaster-recovery drill against one real `keyhold serve --dev` child process on port-0
 * listeners, driven by in-process clients (the README's disaster-recovery walkthrough, which the seed-walkthrough
 * test runs through the CLI, proves the commands). Every step calls what the matching `keyhold` command calls: the
 * gRPC data plane with the requests the CLI's builders make, the management plane through the CLI's HTTPS client,
 * the directory and audit tools' library functions on the data dir, and the offline `security-domain restore-blob`
 * as the function that command runs.
 *
 * HSM A is created and activated (quorum 2 of 3), filled with keys of every type, versions, a custom role, role
 * assignments at / and /keys/<name> and a soft-deleted key, and used to sign and encrypt; its full backup is taken;
 * A is deleted and purged. HSM B is created, gets A's security domain from two of the three key files (after a wrong
 * key file and a changed byte are refused), and the backup is restored into it. B then verifies A's signatures,
 * decrypts A's ciphertexts, signs anew, holds A's roles, versions and deleted key, and its audit journal records the
 * recovery.
 *
 * Needs `npm run build` first (the server is dist/src/cli/index.js).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  toJson,
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { auditQuery } from "../../src/cli/audit.js";
import { formatServiceError, isServiceError } from "../../src/cli/client-options.js";
import {
  buildCreateKeyRequest,
  buildDecryptRequest,
  buildEncryptRequest,
  buildImportKeyRequest,
  buildSignRequest,
  buildUnwrapKeyRequest,
  buildVerifyRequest,
  buildWrapKeyRequest,
  type CreateKeyFlags,
} from "../../src/cli/key-requests.js";
import { buildCreateRoleAssignmentRequest, buildSetRoleDefinitionRequest } from "../../src/cli/role.js";
import { buildDownloadRequest, buildRestoreBlob } from "../../src/cli/security-domain.js";
import { toBase64Url } from "../../src/crypto/bytes.js";
import { AccessControlService, PermissionSchema } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { BackupService, type BackupJob } from "../../src/gen/keyhold/v1/backup_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { JsonWebKeySchema, KeyAttributesSchema, type KeyBundle } from "../../src/gen/keyhold/v1/keys_pb.js";
import { SecurityDomainService } from "../../src/gen/keyhold/v1/security_domain_service_pb.js";
import { Directory } from "../../src/identity/directory.js";
import { deletedManagedHsmId, managedHsmId } from "../../src/arm/arm-ids.js";
import type { ArmClient } from "../../src/management/client/arm-client.js";
import { storageAccountId } from "../../src/arm/storage-account-ids.js";
import { openStore } from "../../src/store/index.js";
import { wrappingFixture } from "../hsm/security-domain/fixtures.js";
import {
  DEV_RESOURCE_GROUP,
  DEV_SUBSCRIPTION,
  REPO,
  grpcSession,
  killHard,
  managementClient,
  mintToken,
  serveDev,
  type DevServer,
  type GrpcSession,
} from "./recovery-harness.js";

const HSM_A = "DrillA";
const HSM_B = "DrillB";
const ACCOUNT = "drillstore";
const CONTAINER = "mhsm-backups";
const CUSTOM_ROLE = "0dd5c0de-7a11-4c0e-9d1f-0c05d1a9e7b2";
const FIXTURES = join(REPO, "test/fixtures/keys");
const MESSAGE = new TextEncoder().encode("invoice 7: pay 100 EUR to Contoso");
const SECRET = new TextEncoder().encode("the plaintext A encrypted");
const WRAPPED_VALUE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

let server: DevServer | undefined;
let workDir: string | undefined;
const sessions: GrpcSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  if (server !== undefined) await killHard(server);
  server = undefined;
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  workDir = undefined;
});

/** The /keys/<name>/<version> part of a kid: the host names the HSM that answers, the rest is the key version. */
function kidPath(kid: string): string {
  return new URL(kid).pathname;
}

/** A refused call as the CLI prints it on stderr: `STATUS (x-error-code): details`. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (isServiceError(error)) return formatServiceError(error as ServiceError);
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("the call succeeded; it should have been refused");
}

/**
 * Wrapping key pairs as `security-domain make-keys` writes them (an RSA private key and a self-signed certificate
 * made by the same function), from the fixture keys rather than fresh key generation. `path` is how the CLI's file
 * would be named: the restore blob's errors name the key file.
 */
function wrappingKeyPair(fixture: string, path: string): { path: string; privateKeyPem: string; certificatePem: string } {
  const { privateKeyPem, certificatePem } = wrappingFixture(fixture);
  return { path, privateKeyPem, certificatePem };
}

/** `keyhold directory user show admin` and `... user create --display-name "Key Custodian" --upn custodian@drill`, on the data dir's store. */
async function directoryWork(dataDir: string): Promise<{ tenantId: string; adminId: string; custodianId: string }> {
  const store = await openStore({ dataDir });
  try {
    const directory = new Directory(store);
    const [tenant] = await directory.listTenants();
    const admin = await directory.findPrincipal(tenant!.id, "admin", "user");
    const custodian = await directory.createUser(tenant!.id, {
      userPrincipalName: "custodian@drill",
      displayName: "Key Custodian",
      password: "drill-Passw0rd-not-used",
      enabled: true,
    });
    return { tenantId: tenant!.id, adminId: admin.id, custodianId: custodian.id };
  } finally {
    await store.close();
  }
}

/** A step's call; the session is one HSM's (x-hsm-name), as KEYHOLD_HSM names it for the CLI. */
type Call = <I extends DescMessage, O extends DescMessage>(
  service: DescService,
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
) => Promise<MessageShape<O>>;

/** `keyhold security-domain upload`: the upload, then its status until it is no longer InProgress; Failed is an error. */
async function uploadSecurityDomain(call: Call, securityDomain: string): Promise<{ status: string; statusDetails: string }> {
  let response: { status: string; statusDetails: string } = await call(SecurityDomainService, SecurityDomainService.method.upload, {
    securityDomain,
  });
  const deadline = Date.now() + 30_000;
  while (response.status === "InProgress") {
    if (Date.now() > deadline) throw new Error("the upload is still in progress");
    await new Promise((r) => setTimeout(r, 20));
    response = await call(SecurityDomainService, SecurityDomainService.method.getStatus, {});
  }
  if (response.status === "Failed") throw new Error(`The upload failed: ${response.statusDetails}`);
  return { status: response.status, statusDetails: response.statusDetails };
}

/** `keyhold backup|restore start`: the job, polled until it ends. */
async function untilEnded(call: Call, kind: "backup" | "restore", job: BackupJob | undefined): Promise<BackupJob> {
  let current = job!;
  while (current.status === "InProgress") {
    await new Promise((r) => setTimeout(r, 20));
    const response =
      kind === "backup"
        ? await call(BackupService, BackupService.method.getBackupStatus, { jobId: current.jobId })
        : await call(BackupService, BackupService.method.getRestoreStatus, { jobId: current.jobId });
    current = response.job!;
  }
  return current;
}

interface RoleAssignmentView {
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
}

const KEYS = ["rsa-2048", "ec-p256", "ec-p384", "aes-256"] as const;

interface HsmState {
  keys: Record<string, { publicKey: Record<string, unknown>; attributes: unknown; versions: string[] }>;
  listed: string[];
  deleted: { kid: string; deletedDate: string; scheduledPurgeDate: string }[];
  assignmentsAtRoot: RoleAssignmentView[];
  assignmentsAtKey: RoleAssignmentView[];
  definitions: { name: string; roleName: string; permissions: unknown }[];
}

/** Every page of a listing (the CLI's list commands follow nextPageToken the same way). */
async function allPages<T>(page: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const items: T[] = [];
  let pageToken = "";
  do {
    const next = await page(pageToken);
    items.push(...next.items);
    pageToken = next.nextPageToken;
  } while (pageToken !== "");
  return items;
}

/** What an HSM shows of its keys and roles (as `key get|versions|list|deleted`, `role ... list` print them in JSON): compared between A before the disaster and B after the recovery. */
async function hsmState(call: Call): Promise<HsmState> {
  const keys: HsmState["keys"] = {};
  const publicView = (bundle: KeyBundle | undefined) => ({
    ...(toJson(JsonWebKeySchema, bundle!.key!) as Record<string, unknown>),
    kid: kidPath(bundle!.kid),
  });
  await Promise.all(
    KEYS.map(async (name) => {
      const [latest, versions] = await Promise.all([
        call(KeyService, KeyService.method.getKey, { name, version: "" }),
        allPages(async (pageToken) => {
          const page = await call(KeyService, KeyService.method.listKeyVersions, { name, pageSize: 0, pageToken });
          return { items: page.keys, nextPageToken: page.nextPageToken };
        }),
      ]);
      keys[name] = {
        publicKey: publicView(latest.key),
        attributes: toJson(KeyAttributesSchema, latest.key!.attributes!),
        versions: versions.map((v) => kidPath(v.kid)).sort(),
      };
    }),
  );
  const assignments = async (scope: string) =>
    (
      await allPages(async (pageToken) => {
        const page = await call(AccessControlService, AccessControlService.method.listRoleAssignments, {
          scope,
          principalId: "",
          pageToken,
        });
        return { items: page.roleAssignments, nextPageToken: page.nextPageToken };
      })
    )
      .map(({ name, scope: at, roleDefinitionId, principalId }) => ({ name, scope: at, roleDefinitionId, principalId }))
      .sort((a, b) => a.name.localeCompare(b.name));
  const definitions = (
    await allPages(async (pageToken) => {
      const page = await call(AccessControlService, AccessControlService.method.listRoleDefinitions, { scope: "/", pageToken });
      return { items: page.roleDefinitions, nextPageToken: page.nextPageToken };
    })
  )
    .filter((d) => d.type === "CustomRole")
    .map(({ name, roleName, permissions }) => ({ name, roleName, permissions: permissions.map((p) => toJson(PermissionSchema, p)) }));
  const deleted = (
    await allPages(async (pageToken) => {
      const page = await call(KeyService, KeyService.method.listDeletedKeys, { pageSize: 0, pageToken });
      return { items: page.deletedKeys, nextPageToken: page.nextPageToken };
    })
  ).map((d) => ({ kid: kidPath(d.key?.kid ?? ""), deletedDate: String(d.deletedDate), scheduledPurgeDate: String(d.scheduledPurgeDate) }));
  const listed = (
    await allPages(async (pageToken) => {
      const page = await call(KeyService, KeyService.method.listKeys, { pageSize: 0, pageToken });
      return { items: page.keys, nextPageToken: page.nextPageToken };
    })
  )
    .map((k) => kidPath(k.kid))
    .sort();
  return {
    keys,
    listed,
    deleted,
    assignmentsAtRoot: await assignments("/"),
    assignmentsAtKey: await assignments("/keys/rsa-2048"),
    definitions,
  };
}

const hsmPath = (name: string) => managedHsmId({ subscriptionId: DEV_SUBSCRIPTION, resourceGroup: DEV_RESOURCE_GROUP, name });

/** `keyhold hsm create --location westeurope --administrators <admin>`: the PUT, waited for (polled every 20 ms rather than every second). */
async function createHsm(management: ArmClient, name: string, tenantId: string, adminId: string): Promise<void> {
  const body = {
    location: "westeurope",
    sku: { name: "Standard_B1" },
    properties: { tenantId, initialAdminObjectIds: [adminId], softDeleteRetentionInDays: 90 },
  };
  await management.sendAndWait("PUT", hsmPath(name), body, fastPoll);
}
const fastPoll = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));

describe("disaster-recovery drill (in-process clients of a built `keyhold serve --dev`; `npm run build` must have run)", () => {
  it("recovers HSM A's keys, roles and deleted keys into a new HSM B from A's security domain and full backup", async () => {
    workDir = await mkdtemp(join(tmpdir(), "keyhold-drill-"));
    server = await serveDev(join(workDir, "data"));
    const [managementToken, dataToken, people] = await Promise.all([
      mintToken(server, "admin", "management"),
      mintToken(server, "admin"),
      directoryWork(server.dataDir),
    ]);
    const { tenantId, adminId, custodianId } = people;
    const management = await managementClient(server, managementToken);
    const sessionA = await grpcSession(server, dataToken, HSM_A);
    const sessionB = await grpcSession(server, dataToken, HSM_B);
    sessions.push(sessionA, sessionB);
    const onA: Call = (service, method, request) => sessionA.call(service, method, request);
    const onB: Call = (service, method, request) => sessionB.call(service, method, request);

    // HSM A, activated by downloading its security domain to three key pairs, any two of which recover it.
    await createHsm(management, HSM_A, tenantId, adminId);
    const sdKeys = [
      wrappingKeyPair("rsa-2048-1", "sd-keys/key1.pem"),
      wrappingKeyPair("rsa-2048-2", "sd-keys/key2.pem"),
      wrappingKeyPair("rsa-3072-1", "sd-keys/key3.pem"),
    ];
    const download = buildDownloadRequest(
      sdKeys.map((k, i) => ({ path: `sd-keys/cert${i + 1}.pem`, pem: k.certificatePem })),
      "2",
    );
    const securityDomain = (await onA(SecurityDomainService, SecurityDomainService.method.download, download)).securityDomain;
    expect(securityDomain).not.toBe("");
    expect((await onA(SecurityDomainService, SecurityDomainService.method.getStatus, {})).status).toBe("Success");

    // Local RBAC: crypto roles at /, a custom role and a built-in role on one key.
    const assign = (role: string, assignee: string, scope: string) =>
      onA(
        AccessControlService,
        AccessControlService.method.createRoleAssignment,
        buildCreateRoleAssignmentRequest({ role, assignee, scope }),
      );
    await assign("Managed HSM Crypto Officer", adminId, "/");
    await assign("Managed HSM Crypto User", adminId, "/");
    await assign("Managed HSM Crypto Auditor", custodianId, "/");
    const custom = {
      name: CUSTOM_ROLE,
      type: "CustomRole",
      roleName: "Drill Key Custodian",
      description: "rotates keys without using them",
      assignableScopes: ["/"],
      permissions: [
        { dataActions: ["Microsoft.KeyVault/managedHsm/keys/read/action", "Microsoft.KeyVault/managedHsm/keys/rotate/action"] },
      ],
    };
    await onA(AccessControlService, AccessControlService.method.setRoleDefinition, buildSetRoleDefinitionRequest(custom));
    await assign(CUSTOM_ROLE, custodianId, "/keys/rsa-2048");
    await assign("Managed HSM Crypto User", custodianId, "/keys/rsa-2048");

    // Keys of every type, some with two versions (the RSA ones imported from the fixtures), and a soft-deleted key.
    const createKey = (flags: CreateKeyFlags) => onA(KeyService, KeyService.method.createKey, buildCreateKeyRequest(flags));
    await onA(
      KeyService,
      KeyService.method.importKey,
      buildImportKeyRequest({ name: "rsa-2048", jwk: join(FIXTURES, "rsa-2048-1.json"), tags: ["team=payments"] }),
    );
    await onA(KeyService, KeyService.method.importKey, buildImportKeyRequest({ name: "rsa-2048", jwk: join(FIXTURES, "rsa-2048-2.json") }));
    const ecFirst = (await createKey({ name: "ec-p256", kty: "EC", curve: "P-256" })).key!.kid;
    await createKey({ name: "ec-p256", kty: "EC-HSM", curve: "P-256" });
    await createKey({ name: "ec-p384", kty: "EC", curve: "P-384" });
    await createKey({ name: "aes-256", kty: "oct-HSM", size: "256" });
    await createKey({ name: "aes-256", kty: "oct-HSM", size: "256" });
    await createKey({ name: "retired", kty: "EC", curve: "P-256" });
    await onA(KeyService, KeyService.method.deleteKey, { name: "retired" });

    // Results made by A, kept to be checked by B (`--data-file message.txt`, `--in secret.bin`).
    const message = () => MESSAGE;
    const secret = () => SECRET;
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
        const response = await onA(
          CryptoService,
          CryptoService.method.sign,
          buildSignRequest(
            { name: s.name, alg: s.alg, dataFile: "message.txt", ...(s.version === undefined ? {} : { version: s.version }) },
            message,
          ),
        );
        return { ...s, kid: response.kid, signature: toBase64Url(response.signature) };
      }),
    );
    const rsaSealed = await onA(
      CryptoService,
      CryptoService.method.encrypt,
      buildEncryptRequest({ name: "rsa-2048", alg: "RSA-OAEP-256", in: "secret.bin" }, secret),
    );
    const gcmSealed = await onA(
      CryptoService,
      CryptoService.method.encrypt,
      buildEncryptRequest({ name: "aes-256", alg: "A256GCM", in: "secret.bin", aad: "ZHJpbGw" }, secret),
    );
    const wrapped = await onA(
      CryptoService,
      CryptoService.method.wrapKey,
      buildWrapKeyRequest({ name: "aes-256", alg: "A256KW", value: WRAPPED_VALUE }),
    );
    const stateOfA = await hsmState(onA);
    expect(KEYS.map((name) => stateOfA.keys[name]?.versions.length)).toEqual([2, 2, 1, 2]);
    expect(stateOfA.listed).toHaveLength(4);
    expect(stateOfA.deleted.map((d) => d.kid)).toEqual([expect.stringMatching(/^\/keys\/retired\//)]);
    expect(stateOfA.assignmentsAtRoot.length).toBeGreaterThanOrEqual(4);
    expect(stateOfA.assignmentsAtKey.map((a) => a.roleDefinitionId)).toContainEqual(expect.stringContaining(CUSTOM_ROLE));
    expect(stateOfA.definitions.map((d) => d.roleName)).toEqual(["Drill Key Custodian"]);

    // The full backup of A into a storage account's container.
    const storage = { subscriptionId: DEV_SUBSCRIPTION, resourceGroup: DEV_RESOURCE_GROUP, name: ACCOUNT };
    await management.send("PUT", storageAccountId(storage), { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const backup = await untilEnded(
      onA,
      "backup",
      (await onA(BackupService, BackupService.method.startBackup, { storageAccount: ACCOUNT, container: CONTAINER })).job,
    );
    expect(backup.status).toBe("Succeeded");
    expect(backup.folder).toMatch(new RegExp(`^mhsm-${HSM_A}-\\d{14}$`));

    // The disaster: A is deleted and purged.
    await management.sendAndWait("DELETE", hsmPath(HSM_A), undefined, fastPoll);
    await management.sendAndWait("POST", `${deletedManagedHsmId(DEV_SUBSCRIPTION, "westeurope", HSM_A)}/purge`, undefined, fastPoll);
    await expect(management.send("GET", hsmPath(HSM_A))).rejects.toThrow(/\(404\)/);

    // HSM B and its transfer key; the restore blob is made offline from A's domain and key files.
    await createHsm(management, HSM_B, tenantId, adminId);
    expect((await onB(SecurityDomainService, SecurityDomainService.method.getStatus, {})).status).toBe("NotActivated");
    const transferKey = (await onB(SecurityDomainService, SecurityDomainService.method.getTransferKey, {})).transferKey;
    expect(transferKey).not.toBe("");
    const unrelated = wrappingKeyPair("rsa-3072-2", "unrelated-keys/key2.pem");
    const keyFile = (k: { path: string; privateKeyPem: string }) => ({ path: k.path, pem: k.privateKeyPem });
    await expect(buildRestoreBlob(securityDomain, [keyFile(sdKeys[0]!), keyFile(unrelated)], transferKey)).rejects.toThrow(
      /unrelated-keys\/key2\.pem.*matches none of the certificates/,
    );
    const restoreBlob = JSON.stringify(await buildRestoreBlob(securityDomain, [keyFile(sdKeys[0]!), keyFile(sdKeys[2]!)], transferKey));

    // One changed byte in a share of the blob: the upload fails and B stays not activated.
    const at = restoreBlob.indexOf('"encryptedKey":"') + '"encryptedKey":"'.length + 20;
    const changed = `${restoreBlob.slice(0, at)}${restoreBlob[at] === "A" ? "B" : "A"}${restoreBlob.slice(at + 1)}`;
    expect(await refusal(uploadSecurityDomain(onB, changed))).toMatch(/CryptoFailure/);
    expect((await onB(SecurityDomainService, SecurityDomainService.method.getStatus, {})).status).toBe("NotActivated");

    const uploaded = await uploadSecurityDomain(onB, restoreBlob);
    expect(uploaded.status).toBe("Success");
    expect(await refusal(uploadSecurityDomain(onB, restoreBlob))).toMatch(/already activated/);

    // The backup restored into B: B holds exactly what A held.
    const restore = await untilEnded(
      onB,
      "restore",
      (
        await onB(BackupService, BackupService.method.startRestore, {
          storageAccount: ACCOUNT,
          container: CONTAINER,
          folder: backup.folder,
        })
      ).job,
    );
    expect(restore.status).toBe("Succeeded");
    expect(await hsmState(onB)).toEqual(stateOfA);
    expect(await refusal(onB(KeyService, KeyService.method.getKey, { name: "retired", version: "" }))).toMatch(/NOT_FOUND|deleted/i);

    // B verifies what A signed, with the versions A used, and decrypts and unwraps what A sealed.
    const verdicts = await Promise.all(
      signed.map(async (s) => {
        const request = buildVerifyRequest(
          { name: s.name, alg: s.alg, version: kidPath(s.kid).split("/")[3]!, dataFile: "message.txt", signature: s.signature },
          message,
        );
        return `${s.name} ${s.alg} ${(await onB(CryptoService, CryptoService.method.verify, request)).valid ? "valid" : "NOT valid"}`;
      }),
    );
    expect(verdicts).toEqual(signed.map((s) => `${s.name} ${s.alg} valid`));
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const rsaOpened = await onB(
      CryptoService,
      CryptoService.method.decrypt,
      buildDecryptRequest({ name: "rsa-2048", alg: "RSA-OAEP-256", value: toBase64Url(rsaSealed.ciphertext) }),
    );
    expect(text(rsaOpened.plaintext)).toBe("the plaintext A encrypted");
    const gcmOpened = await onB(
      CryptoService,
      CryptoService.method.decrypt,
      buildDecryptRequest({
        name: "aes-256",
        alg: "A256GCM",
        value: toBase64Url(gcmSealed.ciphertext),
        iv: toBase64Url(gcmSealed.iv),
        tag: toBase64Url(gcmSealed.tag),
        aad: "ZHJpbGw",
      }),
    );
    expect(text(gcmOpened.plaintext)).toBe("the plaintext A encrypted");
    const unwrapped = await onB(
      CryptoService,
      CryptoService.method.unwrapKey,
      buildUnwrapKeyRequest({ name: "aes-256", alg: "A256KW", value: toBase64Url(wrapped.wrappedKey) }),
    );
    expect(toBase64Url(unwrapped.key)).toBe(WRAPPED_VALUE);

    // And signs anew.
    const fresh = await Promise.all(
      (["rsa-2048:PS256", "ec-p256:ES256", "ec-p384:ES384", "aes-256:HS256"] as const).map(async (pair) => {
        const [name, alg] = pair.split(":") as [string, string];
        const signature = toBase64Url(
          (await onB(CryptoService, CryptoService.method.sign, buildSignRequest({ name, alg, dataFile: "message.txt" }, message)))
            .signature,
        );
        const verified = await onB(
          CryptoService,
          CryptoService.method.verify,
          buildVerifyRequest({ name, alg, dataFile: "message.txt", signature }, message),
        );
        return `${pair} ${verified.valid ? "valid" : "NOT valid"}`;
      }),
    );
    expect(fresh).toEqual(["rsa-2048:PS256 valid", "ec-p256:ES256 valid", "ec-p384:ES384 valid", "aes-256:HS256 valid"]);

    // The restored roles decide access on B: the custodian may read rsa-2048 but not sign with ec-p256.
    const custodianSession = await grpcSession(server, await mintToken(server, "custodian@drill"), HSM_B);
    sessions.push(custodianSession);
    const custodian: Call = (service, method, request) => custodianSession.call(service, method, request);
    await custodian(KeyService, KeyService.method.getKey, { name: "rsa-2048", version: "" });
    await custodian(
      CryptoService,
      CryptoService.method.sign,
      buildSignRequest({ name: "rsa-2048", alg: "PS256", dataFile: "message.txt" }, message),
    );
    expect(
      await refusal(
        custodian(
          CryptoService,
          CryptoService.method.sign,
          buildSignRequest({ name: "ec-p256", alg: "ES256", dataFile: "message.txt" }, message),
        ),
      ),
    ).toMatch(/ForbiddenByRbac/);

    // B's audit journal records the recovery (`keyhold audit query --hsm-name DrillB`).
    const lines: string[] = [];
    expect(await auditQuery({ dataDir: server.dataDir, hsmName: HSM_B }, (line) => lines.push(line))).toBe(0);
    const events = lines.map((line) => JSON.parse(line) as { operationName: string; resultType: string });
    const succeeded = (operation: string) => events.filter((e) => e.operationName === operation && e.resultType === "Success").length;
    expect(succeeded("SecurityDomainUpload")).toBe(1);
    expect(events.some((e) => e.operationName === "SecurityDomainUpload" && e.resultType !== "Success")).toBe(true);
    expect(succeeded("RestoreStart")).toBe(1);
  });
});
