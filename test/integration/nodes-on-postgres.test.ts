/**
 * Three `keyhold serve` processes, each with its own data dir and node id, on one PostgreSQL database (SPEC section
 * 14): work that must happen once happens once, a backup job whose node is killed is failed cleanly by another node
 * and never written twice, a blob written through one node is read through another, and a node whose seal does not
 * open the store refuses to start. A real server (test/store/store-kinds.ts), a database of its own.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService } from "../../src/gen/keyhold/v1/backup_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { storageAccountId } from "../../src/arm/storage-account-ids.js";
import { STORAGE_BLOB_DATA_READER } from "../../src/management/index.js";
import { Directory, issuerSettings, TokenIssuer } from "../../src/identity/index.js";
import { openPostgresStore } from "../../src/store/index.js";
import { cleanEnvironment, killHard, serveArguments, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { DEV_RESOURCE_GROUP, DEV_SUBSCRIPTION, grpcSession, managementClient, type GrpcSession } from "../e2e/recovery-harness.js";
import { createTestDatabase, databaseUrl, dropTestDatabase } from "../store/store-kinds.js";

/** Every node names the same issuer (the address clients reach the cluster by), so a token works on any node. */
const ISSUER = "https://keyhold.cluster.test";
const LEASE_MS = 1500;
const HSM = "dev";
const ACCOUNT = "clusterbackups";
const CONTAINER = "backups";

interface Node extends DevServer {
  readonly dataDir: string;
  readonly nodeId: string;
}

let root: string;
let database: string;
let url: string;
let db: pg.Client;
const nodes: Node[] = [];

/** The secrets an operator gives every node: the first node's seal key file and (shared certificates) its TLS files. */
interface SharedSecrets {
  readonly sealKeyFile: string;
  readonly tlsDir: string;
}

function nodeEnvironment(nodeId: string, shared?: SharedSecrets): Record<string, string> {
  return {
    KEYHOLD_STORE_POSTGRES_URL: url,
    KEYHOLD_AUDIT_NODE_ID: nodeId,
    KEYHOLD_IDENTITY_ISSUER_BASE_URL: ISSUER,
    KEYHOLD_MAINTENANCE_INTERVAL_MS: "250",
    KEYHOLD_MAINTENANCE_LEASE_MS: String(LEASE_MS),
    KEYHOLD_WORKERS_THREADS: "1",
    ...(shared === undefined
      ? {}
      : {
          KEYHOLD_SEAL_KEY_FILE: shared.sealKeyFile,
          KEYHOLD_TLS_CERT_FILE: join(shared.tlsDir, "server.pem"),
          KEYHOLD_TLS_KEY_FILE: join(shared.tlsDir, "server-key.pem"),
          KEYHOLD_TLS_CA_FILE: join(shared.tlsDir, "ca.pem"),
        }),
  };
}

async function startNodeProcess(nodeId: string, shared?: SharedSecrets): Promise<Node> {
  const dataDir = join(root, nodeId);
  const started = await startDevServer({ dataDir, env: nodeEnvironment(nodeId, shared) });
  const node = { ...started, dataDir, nodeId };
  nodes.push(node);
  return node;
}

async function token(plane: "data" | "management" = "data"): Promise<string> {
  const store = await openPostgresStore({ url, poolSize: 1 });
  try {
    const directory = new Directory(store);
    const [tenant] = await directory.listTenants();
    const admin = await directory.findPrincipal(tenant!.id, "admin");
    const issuer = await TokenIssuer.open(store, issuerSettings({ baseUrl: ISSUER }));
    return (await issuer.issue({ principal: admin, plane })).accessToken;
  } finally {
    await store.close();
  }
}

/** Every node serves the first node's certificate, so clients trust the first node's CA (`<data-dir>/tls/ca.pem`). */
const trustingFirstCa = (node: Node): Node => ({ ...node, dataDir: nodes[0]!.dataDir });

const sessions: GrpcSession[] = [];
async function session(node: Node): Promise<GrpcSession> {
  const opened = await grpcSession(trustingFirstCa(node), await token(), HSM);
  sessions.push(opened);
  return opened;
}

async function rows<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, values)).rows as T[];
}

interface JournalEvent {
  readonly node: string;
  readonly keyName: unknown;
  readonly hsmName: unknown;
  readonly appid: unknown;
}

/** The audit events named `operationName` in every node's journal (of the HSM, or another), with the node that wrote each. */
async function journalEvents(operationName: string, journal = HSM): Promise<JournalEvent[]> {
  const found: JournalEvent[] = [];
  for (const node of nodes) {
    const dir = join(node.dataDir, "audit", journal);
    for (const file of await readdir(dir).catch(() => [])) {
      for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
        if (line === "") continue;
        const event = (
          JSON.parse(line) as {
            event?: { operationName: string; identity?: { appid?: unknown }; properties?: { keyName?: unknown; hsmName?: unknown } };
          }
        ).event;
        if (event?.operationName === operationName) {
          const { keyName, hsmName } = event.properties ?? {};
          found.push({ node: node.nodeId, keyName, hsmName, appid: event.identity?.appid });
        }
      }
    }
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "keyhold-nodes-"));
  database = await createTestDatabase();
  url = databaseUrl(database);
  // The first node makes the schema, the dev tenant and HSM, the seal key and the certificates the others are given
  // (as an operator copies them to each machine).
  const first = await startNodeProcess("node-1");
  const shared = { sealKeyFile: join(first.dataDir, "seal.key"), tlsDir: join(first.dataDir, "tls") };
  await Promise.all([startNodeProcess("node-2", shared), startNodeProcess("node-3", shared)]);
  db = new pg.Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  for (const opened of sessions) opened.close();
  for (const node of nodes) await killHard(node);
  await db?.end();
  if (database !== undefined) await dropTestDatabase(database);
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe("three nodes on one PostgreSQL database", () => {
  it("serve one HSM: a key created through node 1 signs through node 3", async () => {
    const [one, , three] = nodes;
    await (await session(one!)).call(KeyService, KeyService.method.createKey, { name: "shared", kty: "EC", crv: "P-256" });
    const digest = createHash("sha256").update("x").digest();
    const signed = await (await session(three!)).call(CryptoService, CryptoService.method.sign, {
      name: "shared",
      algorithm: "ES256",
      digest,
    });
    expect(signed.signature).toHaveLength(64);
  });

  it("a rotation policy due now rotates the key exactly once, and an expired deleted key is purged once", async () => {
    const [one, two] = nodes;
    const s1 = await session(one!);
    await s1.call(KeyService, KeyService.method.createKey, { name: "rotating", kty: "EC", crv: "P-256" });
    await (await session(two!)).call(KeyService, KeyService.method.updateRotationPolicy, {
      name: "rotating",
      policy: { lifetimeActions: [{ timeAfterCreate: "P28D", action: "Rotate" }] },
    } as never);
    await s1.call(KeyService, KeyService.method.createKey, { name: "purged", kty: "EC", crv: "P-256" });
    await s1.call(KeyService, KeyService.method.deleteKey, { name: "purged" });
    // Made due now: the version is 40 days old, and the deleted key's retention has passed.
    await rows("UPDATE key_versions SET created = created - 40 * 86400 WHERE name = 'rotating'");
    await rows("UPDATE keys SET scheduled_purge_date = 1 WHERE name = 'purged'");
    const versions = async (): Promise<number> =>
      Number((await rows<{ n: string }>("SELECT COUNT(*) AS n FROM key_versions WHERE name = 'rotating'"))[0]!.n);
    await eventually(async () => (await versions()) >= 2);
    await eventually(async () => (await rows("SELECT 1 FROM keys WHERE name = 'purged'")).length === 0);
    // Many more ticks of all three nodes: nothing more happens.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await versions()).toBe(2);
    const rotations = (await journalEvents("KeyRotate")).filter((e) => e.keyName === "rotating");
    const purges = (await journalEvents("KeyPurge")).filter((e) => e.keyName === "purged");
    expect(rotations).toHaveLength(1);
    expect(purges).toHaveLength(1);
  });

  it("a soft-deleted HSM whose retention has passed is purged once", async () => {
    const [, two] = nodes;
    const management = await managementClient(trustingFirstCa(two!), await token("management"));
    const tenantId = (await rows<{ id: string }>("SELECT id FROM tenants"))[0]!.id;
    const admin = (await rows<{ id: string }>("SELECT id FROM principals WHERE user_principal_name = 'admin'"))[0]!.id;
    const hsmPath = `/subscriptions/${DEV_SUBSCRIPTION}/resourceGroups/${DEV_RESOURCE_GROUP}/providers/Microsoft.KeyVault/managedHSMs/retired`;
    await management.sendAndWait("PUT", `${hsmPath}?api-version=2023-07-01`, {
      location: "westeurope",
      sku: { family: "B", name: "Standard_B1" },
      properties: { tenantId, initialAdminObjectIds: [admin], softDeleteRetentionInDays: 7 },
    });
    await management.sendAndWait("DELETE", `${hsmPath}?api-version=2023-07-01`);
    await rows("UPDATE managed_hsms SET scheduled_purge_at = 1 WHERE name = 'retired'");
    await eventually(async () => (await rows("SELECT 1 FROM managed_hsms WHERE name = 'retired'")).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const purges = (await journalEvents("DeletedManagedHsmPurge", "keyhold-management")).filter((e) => e.hsmName === "retired");
    expect(purges).toHaveLength(1);
    expect(String(purges[0]!.appid)).toMatch(/^keyhold-node:node-/);
  });

  it("a backup job whose node is killed is failed cleanly by another node; a new backup writes one folder, read through a third", async () => {
    const [one, two, three] = nodes;
    const management = await managementClient(trustingFirstCa(two!), await token("management"));
    const accountId = storageAccountId({ subscriptionId: DEV_SUBSCRIPTION, resourceGroup: DEV_RESOURCE_GROUP, name: ACCOUNT });
    await management.send("PUT", accountId, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const storage = { storageAccount: ACCOUNT, container: CONTAINER };

    // Node 1's job is held up reading the keys (a lock taken here), so that it is surely running when node 1 dies.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE keys, key_versions IN ACCESS EXCLUSIVE MODE");
    let doomed: string;
    try {
      const started = await (await session(one!)).call(BackupService, BackupService.method.startBackup, storage);
      doomed = started.job!.jobId;
      expect(started.job!.status).toBe("InProgress");
      await killHard(one!);
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const s2 = await session(two!);
    const status = async (jobId: string) => (await s2.call(BackupService, BackupService.method.getBackupStatus, { jobId })).job!;
    await eventually(async () => (await status(doomed)).status !== "InProgress");
    const failed = await status(doomed);
    expect(failed.status).toBe("Failed");
    expect(`${failed.error?.message ?? ""} ${failed.statusDetails}`).toMatch(/interrupted/i);
    const folder = (await rows<{ folder: string }>("SELECT folder FROM backup_jobs WHERE id = $1", [doomed]))[0]!.folder;
    expect(await rows("SELECT name FROM storage_blobs WHERE name LIKE $1", [`${folder}/%`])).toEqual([]);

    // The slot is free: a backup through node 2 succeeds, and node 3 reads what node 2 wrote.
    const second = (await s2.call(BackupService, BackupService.method.startBackup, storage)).job!;
    await eventually(async () => (await status(second.jobId)).status !== "InProgress");
    expect((await status(second.jobId)).status).toBe("Succeeded");
    const folders = await rows<{ folder: string }>(
      "SELECT DISTINCT split_part(name, '/', 1) AS folder FROM storage_blobs WHERE account = $1 AND container = $2",
      [ACCOUNT, CONTAINER],
    );
    expect(folders.map((f) => f.folder)).toEqual([(await status(second.jobId)).folder]);

    const admin = (await rows<{ id: string }>("SELECT id FROM principals WHERE user_principal_name = 'admin'"))[0]!.id;
    await management.send("PUT", `${accountId}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, {
      properties: { roleDefinitionId: STORAGE_BLOB_DATA_READER.id, principalId: admin },
    });
    const reader = await managementClient(trustingFirstCa(three!), await token("management"));
    const listed = await reader.send("GET", `${accountId}/blobServices/default/containers/${CONTAINER}/blobs?api-version=2023-05-01`);
    const names = (listed.body as { value: { name: string }[] }).value.map((b) => b.name);
    expect(names).toContain(`${(await status(second.jobId)).folder}/manifest.json`);
  });

  it("a node whose seal key does not open the store refuses to start, and changes nothing", async () => {
    const dataDir = join(root, "node-wrong");
    const wrongKey = join(root, "wrong-seal.key");
    await writeFile(wrongKey, randomBytes(32), { mode: 0o600 });
    const before = await rows("SELECT * FROM node_seal");
    const secrets = await rows("SELECT hsm_id, sealed_secret FROM hsm_domain_secrets ORDER BY hsm_id");
    const proc = spawn(process.execPath, serveArguments({ dataDir }), {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...cleanEnvironment(),
        ...nodeEnvironment("node-wrong", { sealKeyFile: wrongKey, tlsDir: join(nodes[0]!.dataDir, "tls") }),
      },
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
    expect(code).toBe(1);
    expect(stdout).not.toContain("listening");
    expect(stderr).toMatch(/^keyhold serve: cannot start: The seal key in .*wrong-seal\.key does not open this store/m);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await rows("SELECT * FROM node_seal")).toEqual(before);
    expect(await rows("SELECT hsm_id, sealed_secret FROM hsm_domain_secrets ORDER BY hsm_id")).toEqual(secrets);
  });
});
