/**
 * Full backup, restore, selective key restore and the security domain through the Key Vault door, raw REST in Key
 * Vault's shapes (202 + azure-asyncoperation, the job and status bodies), and the recovery drill through REST alone:
 * HSM A's domain downloaded, A backed up, a new HSM B (created through the ARM-shaped management plane) given A's
 * domain through its transfer key, the backup restored into B, and B verifying A's signature with A's key. The only
 * step off the wire is the offline restore blob, made with the function `keyhold security-domain restore-blob` runs.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRestoreBlob } from "../../src/cli/security-domain.js";
import { ensureDevScope, ensureRootOwner } from "../../src/server/dev-scope.js";
import { downloadJwk, wrappingFixture } from "../hsm/security-domain/fixtures.js";
import { expectKeyVaultError, kvCall } from "./admin-helpers.js";
import { startKeyVaultFixture, type KeyVaultFixture } from "./fixture.js";
import { rawRequest, vaultUrl, type RawResponse } from "./helpers.js";

const ACCOUNT = "kvdrillstore";
const CONTAINER = "hsm-backups";
const CONTAINER_URI = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}`;
/** A SAS token as Azure tools send one; it must never reach the journal. */
const SAS = `sv=2024-11-04&sig=${randomUUID()}`;
const HSM_B = "kvdrillb";
const DIGEST = Buffer.alloc(32, 9).toString("base64url");

let kv: KeyVaultFixture;
let vaultA: string;
let admin: string;
beforeAll(async () => {
  kv = await startKeyVaultFixture();
  vaultA = vaultUrl(kv.server);
  admin = await kv.server.token(kv.server.admin);
  // The management plane's first Owner, as `keyhold serve --dev` makes it; then a storage account through ARM.
  await ensureRootOwner(kv.server.node.store, kv.server.admin);
  const scope = await ensureDevScope(kv.server.node.store);
  const account = await arm(
    "PUT",
    `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}?api-version=2024-01-01`,
    {
      location: scope.location,
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
    },
  );
  expect(account.status, account.body).toBeLessThan(300);
});
afterAll(async () => {
  kv?.agent.destroy();
  await kv?.server.stop();
});

const onA = (method: string, path: string, token: string | undefined, body?: unknown) =>
  kvCall(kv.agent, vaultA, method, path, token, body);

async function arm(method: string, path: string, body: unknown): Promise<RawResponse> {
  return rawRequest(kv.agent, `https://${kv.server.node.addresses.https}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${await kv.server.token(kv.server.admin, "management")}` },
    body: JSON.stringify(body),
  });
}

/** Polls a long-running operation's azure-asyncoperation URL until its status is no longer InProgress. */
async function settle(started: RawResponse, token: string, base = vaultA): Promise<Record<string, any>> {
  expect(started.status, started.body).toBe(202);
  const statusUrl = started.headers["azure-asyncoperation"];
  expect(typeof statusUrl).toBe("string");
  expect((statusUrl as string).startsWith(`${base}/`)).toBe(true);
  expect(started.headers["retry-after"]).toBe("1");
  for (let attempt = 0; attempt < 600; attempt++) {
    const polled = await kvCall(kv.agent, base, "GET", statusUrl as string, token);
    expect(polled.status, polled.body).toBe(200);
    const body = polled.json();
    if (body.status !== "InProgress") return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${String(statusUrl)} stayed InProgress`);
}

/**
 * Starts a full backup of A. Backup folders are named to the second, as Key Vault's are, so a backup that starts in
 * the same second as the previous test's is refused with 409 ("start the backup again in a second"): do that.
 */
async function startBackup(body: Record<string, unknown>): Promise<RawResponse> {
  for (let attempt = 0; ; attempt++) {
    const started = await onA("POST", "/backup", admin, body);
    if (started.status !== 409 || attempt === 2) return started;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }
}

const certificates = () => ["rsa-2048-1", "rsa-2048-2", "rsa-3072-1"].map((name) => downloadJwk(wrappingFixture(name).certificatePem));

describe("backup and restore jobs", () => {
  it("backs up (202, FullBackupOperation), restores one purged key selectively, and keeps the SAS token out of the journal", async () => {
    const key = `selective-${randomUUID().slice(0, 8)}`;
    expect((await onA("POST", `/keys/${key}/create`, kv.officer, { kty: "EC-HSM", crv: "P-256" })).status).toBe(200);

    const started = await startBackup({ storageResourceUri: CONTAINER_URI, token: SAS });
    expect(Object.keys(started.json()).sort()).toEqual(
      ["azureStorageBlobContainerUri", "endTime", "error", "jobId", "startTime", "status", "statusDetails"].sort(),
    );
    const backup = await settle(started, admin);
    expect(backup).toMatchObject({ status: "Succeeded", error: null, jobId: started.json().jobId });
    expect(backup.endTime).toBeGreaterThanOrEqual(backup.startTime);
    expect(backup.azureStorageBlobContainerUri).toMatch(new RegExp(`^${CONTAINER_URI}/mhsm-hsm-a-\\d{14}$`));
    const folder = (backup.azureStorageBlobContainerUri as string).split("/").pop()!;

    expect((await onA("DELETE", `/keys/${key}`, kv.officer)).status).toBe(200);
    expect((await onA("DELETE", `/deletedkeys/${key}`, kv.officer)).status).toBe(204);
    expectKeyVaultError(await onA("GET", `/keys/${key}`, kv.officer), 404, "KeyNotFound");

    const restore = await settle(
      await onA("PUT", `/keys/${key}/restore`, admin, { sasTokenParameters: { storageResourceUri: CONTAINER_URI, token: SAS }, folder }),
      admin,
    );
    expect(restore).toMatchObject({ status: "Succeeded", error: null });
    expect(Object.keys(restore)).not.toContain("azureStorageBlobContainerUri");
    expect((await onA("GET", `/keys/${key}`, kv.officer)).status).toBe(200);

    expect(await kv.server.journalBytes()).not.toContain(SAS);
  });

  it("refuses callers without the backup or restore role with 403 Forbidden", async () => {
    for (const token of [kv.officer, kv.stranger]) {
      expectKeyVaultError(await onA("POST", "/backup", token, { storageResourceUri: CONTAINER_URI, token: SAS }), 403, "Forbidden");
      const restore = {
        sasTokenParameters: { storageResourceUri: CONTAINER_URI, token: SAS },
        folderToRestore: "mhsm-hsm-a-20260101000000",
      };
      expectKeyVaultError(await onA("PUT", "/restore", token, restore), 403, "Forbidden");
    }
  });

  it("refuses bad input with 400 naming the field, a missing account or job with 404, and never echoes the token", async () => {
    const cases: [unknown, string][] = [
      [{ storageResourceUri: CONTAINER_URI }, "token"],
      [{ storageResourceUri: CONTAINER_URI, useManagedIdentity: "yes" }, "useManagedIdentity"],
      [{ storageResourceUri: "ftp://x/y", token: SAS }, "storageResourceUri"],
      [{ storageResourceUri: `${CONTAINER_URI}/a/b`, token: SAS }, "storageResourceUri"],
      [{ storageResourceUri: `https://${ACCOUNT}.blob.core.windows.net/Bad_Container`, token: SAS }, "container"],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const message = expectKeyVaultError(await onA("POST", "/backup", admin, body), 400, "BadParameter");
      expect(message).toContain(field);
      expect(message).not.toContain(SAS);
    }
    const restoreCases: [unknown, string][] = [
      [{ sasTokenParameters: { storageResourceUri: CONTAINER_URI, token: SAS }, folderToRestore: "../etc" }, "folderToRestore"],
      [{ sasTokenParameters: "x", folderToRestore: "mhsm-hsm-a-20260101000000" }, "sasTokenParameters"],
      [
        { sasTokenParameters: { storageResourceUri: CONTAINER_URI }, folderToRestore: "mhsm-hsm-a-20260101000000" },
        "sasTokenParameters.token",
      ],
    ];
    for (const [body, field] of restoreCases) {
      expect(expectKeyVaultError(await onA("PUT", "/restore", admin, body), 400, "BadParameter")).toContain(field);
    }
    expect(expectKeyVaultError(await onA("GET", "/backup/not-a-job/pending", admin), 400, "BadParameter")).toContain("jobId");
    expectKeyVaultError(await onA("GET", `/backup/${"0".repeat(32)}/pending`, admin), 404, "NotFound");
    const unknownAccount = await onA("POST", "/backup", admin, {
      storageResourceUri: "https://nosuchacct.blob.core.windows.net/x1x",
      token: SAS,
    });
    expect(expectKeyVaultError(unknownAccount, 404, "NotFound")).toContain("nosuchacct");
  });
});

describe("security domain", () => {
  it("refuses bad download input naming the field, and non-administrators with 403", async () => {
    expect(
      expectKeyVaultError(
        await onA("POST", "/securitydomain/download", admin, { certificates: certificates().slice(0, 2) }),
        400,
        "BadParameter",
      ),
    ).toContain("certificates");
    expect(
      expectKeyVaultError(
        await onA("POST", "/securitydomain/download", admin, { certificates: certificates(), required: 5 }),
        400,
        "BadParameter",
      ),
    ).toContain("required");
    expectKeyVaultError(
      await onA("POST", "/securitydomain/download", kv.officer, { certificates: certificates(), required: 2 }),
      403,
      "Forbidden",
    );
    expectKeyVaultError(await onA("GET", "/securitydomain/upload/pending", kv.stranger), 403, "Forbidden");
    // An activated HSM gives no transfer key: that is for a new HSM awaiting its domain.
    expectKeyVaultError(await onA("GET", "/securitydomain/upload", admin), 403, "Forbidden");
  });
});

describe("the recovery drill through REST", () => {
  it("downloads A's domain, backs A up, gives a new HSM B the domain through its transfer key and restores the backup into B", async () => {
    // A: a key and a signature made with it.
    const key = `drill-${randomUUID().slice(0, 8)}`;
    const created = await onA("POST", `/keys/${key}/create`, kv.officer, { kty: "EC-HSM", crv: "P-256" });
    expect(created.status, created.body).toBe(200);
    const signed = await onA("POST", `/keys/${key}//sign`, kv.officer, { alg: "ES256", value: DIGEST });
    const signature = signed.json().value as string;

    // 1. A's security domain, quorum 2 of 3.
    const download = await onA("POST", "/securitydomain/download", admin, { certificates: certificates(), required: 2 });
    const securityDomain = download.json().value as string;
    expect(JSON.parse(securityDomain)).toBeTypeOf("object");
    expect(await settle(download, admin)).toMatchObject({ status: "Success" });

    // 2. A full backup of A.
    const backup = await settle(await startBackup({ storageResourceUri: CONTAINER_URI, useManagedIdentity: true }), admin);
    expect(backup.status).toBe("Succeeded");
    const folder = (backup.azureStorageBlobContainerUri as string).split("/").pop()!;

    // 3. A new HSM B through the management plane: provisioned, not activated.
    const hsmPath = `/subscriptions/de7e1000-0000-4000-8000-000000000001/resourceGroups/dev/providers/Microsoft.KeyVault/managedHSMs/${HSM_B}?api-version=2023-07-01`;
    const made = await arm("PUT", hsmPath, {
      location: "local",
      sku: { family: "B", name: "Standard_B1" },
      properties: { tenantId: kv.server.node.tenant.id, initialAdminObjectIds: [kv.server.admin.id] },
    });
    expect(made.status, made.body).toBeLessThan(300);
    const vaultB = vaultUrl(kv.server, HSM_B);
    const onB = (method: string, path: string, body?: unknown) => kvCall(kv.agent, vaultB, method, path, admin, body);
    const beforeUpload = await onB("GET", "/securitydomain/upload/pending");
    expect(beforeUpload.json()).toMatchObject({ status: "Failed" });
    expect(beforeUpload.json().status_details).toMatch(/not activated/);

    // 4. B's transfer key; the offline restore blob from two of the three private keys; the upload.
    const transfer = await onB("GET", "/securitydomain/upload");
    expect(transfer.status, transfer.body).toBe(200);
    expect(transfer.json()).toMatchObject({ key_format: "jwk", transfer_key: { kty: "RSA" } });
    const privateKeys = ["rsa-2048-1", "rsa-3072-1"].map((name) => ({ path: `${name}.pem`, pem: wrappingFixture(name).privateKeyPem }));
    const restoreBlob = await buildRestoreBlob(securityDomain, privateKeys, JSON.stringify(transfer.json().transfer_key));
    expect(expectKeyVaultError(await onB("POST", "/securitydomain/upload", {}), 400, "BadParameter")).toContain("value");
    const uploaded = await onB("POST", "/securitydomain/upload", { value: JSON.stringify(restoreBlob) });
    expect(await settle(uploaded, admin, vaultB)).toMatchObject({ status: "Success" });

    // 5. A's backup restored into B.
    const restore = await settle(
      await onB("PUT", "/restore", { sasTokenParameters: { storageResourceUri: CONTAINER_URI, token: SAS }, folderToRestore: folder }),
      admin,
      vaultB,
    );
    expect(restore).toMatchObject({ status: "Succeeded", error: null });

    // B holds A's key: it verifies A's signature and signs anew.
    const verified = await kvCall(kv.agent, vaultB, "POST", `/keys/${key}//verify`, kv.officer, {
      alg: "ES256",
      digest: DIGEST,
      value: signature,
    });
    expect(verified.status, verified.body).toBe(200);
    expect(verified.json()).toEqual({ value: true });
    const kid = (await kvCall(kv.agent, vaultB, "GET", `/keys/${key}`, kv.officer)).json().key.kid as string;
    expect(kid.startsWith(`${vaultB}/keys/${key}/`)).toBe(true);
  });
});
