/** A whole security core in one process: store, directory and tokens, local RBAC, audit journals, pipeline, HTTPS app. */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent, JournalFileOpener } from "../../src/audit/index.js";
import { MANAGED_HSM_ADMINISTRATOR } from "../../src/authz/index.js";
import { AuditSink } from "../../src/pipeline/audit-sink.js";
import { Pipeline, type RequestMeta } from "../../src/pipeline/dispatch.js";
import type { HsmRuntime } from "../../src/pipeline/hsm-registry.js";
import { BlobStore, MANAGEMENT_ROUTES, ManagementRbac, StoreHsmRegistry } from "../../src/management/index.js";
import { GRAPH_ROUTES } from "../../src/transport/http/operation-routes.js";
import { LocalRbac } from "../../src/hsm/local-rbac.js";
import type { Operation } from "../../src/pipeline/operation.js";
import { createKeyDomain, createKeyLoader, HsmDomains, openNodeSeal } from "../../src/hsm/keys/index.js";
import { buildOperations } from "../../src/server/operations.js";
import { BackupJobs } from "../../src/hsm/backup/index.js";
import { lazyPool } from "../helpers/lazy-pool.js";
import type { Plane } from "../../src/identity/index.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { buildHttpsApp, type HttpsApp } from "../../src/transport/http/app.js";
import { identityFixture, type IdentityFixture } from "../identity/helpers.js";
import { nodeSigningKey } from "../audit/helpers.js";

export interface SecurityCore extends IdentityFixture {
  hsm: HsmRuntime;
  hsms: StoreHsmRegistry;
  management: ManagementRbac;
  audit: AuditSink;
  dataDir: string;
  rbac: LocalRbac;
  pipeline: Pipeline;
  table: ReadonlyMap<string, Operation>;
  https: HttpsApp;
  admin: PrincipalRecord;
  token(principal: PrincipalRecord, plane?: Plane): Promise<string>;
  meta(token: string | undefined, overrides?: Partial<RequestMeta>): RequestMeta;
  /** Every event recorded so far, in all journals of this node. */
  events(): Promise<AuditEvent[]>;
  /** Every byte of every journal, to search for secrets. */
  journalBytes(): Promise<string>;
  close(): Promise<void>;
}

export async function securityCore(options: { openJournalFile?: JournalFileOpener } = {}): Promise<SecurityCore> {
  const identity = await identityFixture();
  const dataDir = await mkdtemp(join(tmpdir(), "keyhold-core-"));
  const admin = await identity.directory.createUser(identity.tenant.id, {
    userPrincipalName: "admin@contoso.test",
    displayName: "Admin",
    password: "Admin-password-1!",
    enabled: true,
  });
  await identity.directory.addDirectoryAdministrator(identity.tenant.id, admin.id);
  const hsm: HsmRuntime = {
    id: randomUUID(),
    name: "contoso-hsm",
    resourceId:
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/contoso-hsm",
    tenantId: identity.tenant.id,
    activation: "Activated",
    networkAcls: { defaultAction: "Allow", ipRules: [] },
    publicNetworkAccess: "Enabled",
    initialAdminObjectIds: [admin.id],
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: false,
    hsmUriHost: "contoso-hsm.managedhsm.keyhold.test",
  };
  await identity.store.rbac.insertRoleAssignment(hsm.id, {
    id: `/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    name: randomUUID(),
    scope: "/",
    roleDefinitionId: MANAGED_HSM_ADMINISTRATOR.id,
    principalId: admin.id,
  });
  const hsms = new StoreHsmRegistry({ store: identity.store, configured: [hsm] });
  const management = new ManagementRbac(identity.store);
  const audit = new AuditSink({
    dataDir,
    nodeId: "node-1",
    signingKey: nodeSigningKey(),
    outbox: identity.store.auditOutbox,
    ...(options.openJournalFile ? { journal: { openFile: options.openJournalFile } } : {}),
  });
  const rbac = new LocalRbac(identity.store);
  const pipeline = new Pipeline({ hsms, verifyToken: identity.verifyToken, directory: identity.directory, rbac, audit, management });
  // The production table, key and crypto operations included, over a real worker pool (started by the first task).
  const seal = openNodeSeal({ dataDir, passphrase: undefined });
  const domains = new HsmDomains(identity.store, seal);
  const pool = lazyPool({ threads: 1, loadKey: createKeyLoader(identity.store, domains) });
  const keys = createKeyDomain({ store: identity.store, domains, pool });
  const blobs = new BlobStore(dataDir);
  const backupJobs = new BackupJobs({
    store: identity.store,
    storage: blobs,
    domains,
    restoring: hsms,
    evictions: keys.openedKeys,
    holder: "test-node",
  });
  const table = buildOperations({
    store: identity.store,
    rbac,
    directory: identity.directory,
    credentials: identity.credentials,
    keys,
    seal,
    domains,
    hsms,
    management,
    blobs,
    backupJobs,
  });
  const https = await buildHttpsApp({
    pipeline,
    operations: table,
    routes: [...GRAPH_ROUTES, ...MANAGEMENT_ROUTES],
    identity: { directory: identity.directory, credentials: identity.credentials, issuer: identity.issuer },
    challenge: (operation) => ({
      authority: `${identity.settings.baseUrl}/${identity.tenant.id}`,
      resource: identity.settings.audiences[operation.plane],
    }),
  });
  const journalFiles = async (): Promise<string[]> => {
    const root = join(dataDir, "audit");
    const dirs = await readdir(root).catch(() => [] as string[]);
    const files = await Promise.all(dirs.map(async (d) => (await readdir(join(root, d))).map((f) => join(root, d, f))));
    return files.flat();
  };
  return {
    ...identity,
    hsm,
    hsms,
    management,
    audit,
    dataDir,
    rbac,
    pipeline,
    table,
    https,
    admin,
    async token(principal, plane = "data") {
      return (await identity.issuer.issue({ principal, plane })).accessToken;
    },
    meta(token, overrides = {}) {
      return {
        transport: "grpc",
        method: "/test",
        authorization: token === undefined ? undefined : `Bearer ${token}`,
        hsmName: hsm.name,
        clientRequestId: undefined,
        callerIp: "127.0.0.1",
        ...overrides,
      };
    },
    async events() {
      const lines = (await Promise.all((await journalFiles()).map((f) => readFile(f, "utf8")))).join("").split("\n").filter(Boolean);
      return lines.map((line) => JSON.parse(line) as { event?: AuditEvent }).flatMap((r) => (r.event ? [r.event] : []));
    },
    async journalBytes() {
      return (await Promise.all((await journalFiles()).map((f) => readFile(f, "utf8")))).join("\n");
    },
    async close() {
      await backupJobs.idle();
      await https.app.close();
      await audit.close();
      await pool.close();
      await identity.store.close();
    },
  };
}
