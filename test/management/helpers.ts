/**
 * A node's management plane in one process: store, directory and tokens, management RBAC, the store-backed HSM
 * registry, local RBAC, audit journals, the full operation table (data plane and management) behind the pipeline,
 * and the HTTPS app with the management routes, called with `inject`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditSink } from "../../src/pipeline/audit-sink.js";
import { Pipeline, type RequestMeta } from "../../src/pipeline/dispatch.js";
import { createKeyDomain, createKeyLoader, HsmDomains, openNodeSeal } from "../../src/hsm/keys/index.js";
import { LocalRbac } from "../../src/hsm/local-rbac.js";
import type { Operation } from "../../src/pipeline/operation.js";
import { operationTable } from "../../src/pipeline/operation-table.js";
import type { Plane } from "../../src/identity/index.js";
import {
  BlobStore,
  DiagnosticForwarder,
  fileDelivery,
  managementOperations,
  MANAGEMENT_ROUTES,
  ManagementRbac,
  OWNER,
  StoreHsmRegistry,
  storedDiagnosticSettings,
} from "../../src/management/index.js";
import { accessControlOperations } from "../../src/hsm/operations/access-control.js";
import { cryptoOperations } from "../../src/hsm/operations/crypto.js";
import { keyOperations } from "../../src/hsm/operations/keys.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { buildHttpsApp, type HttpsApp } from "../../src/transport/http/app.js";
import { withApiVersion } from "../../src/management/api-versions.js";
import { lazyPool } from "../helpers/lazy-pool.js";
import { nodeSigningKey } from "../audit/helpers.js";
import { identityFixture, type IdentityFixture } from "../identity/helpers.js";

export const SUBSCRIPTION = "11111111-2222-4333-8444-555555555555";
export const RESOURCE_GROUP = "contoso-rg";
export const LOCATION = "westeurope";

export const hsmPath = (name: string, group = RESOURCE_GROUP, subscription = SUBSCRIPTION): string =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.KeyVault/managedHSMs/${name}`;

interface Reply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

export interface ManagementCore extends IdentityFixture {
  dataDir: string;
  hsms: StoreHsmRegistry;
  management: ManagementRbac;
  audit: AuditSink;
  blobs: BlobStore;
  /** Writes only when a test calls flush(). */
  forwarder: DiagnosticForwarder;
  pipeline: Pipeline;
  table: ReadonlyMap<string, Operation>;
  https: HttpsApp;
  /** A user with Owner at the tenant root, who set up the subscription and resource group. */
  root: PrincipalRecord;
  /** Milliseconds the management plane sees as now; tests move it. */
  clock: { now: number };
  user(name: string): Promise<PrincipalRecord>;
  token(principal: PrincipalRecord, plane?: Plane): Promise<string>;
  call(
    method: "GET" | "PUT" | "PATCH" | "DELETE" | "POST",
    url: string,
    principal: PrincipalRecord | undefined,
    payload?: unknown,
  ): Promise<Reply>;
  /** Gives `principal` a management role by its GUID at `scope`, straight through the store. */
  grant(principal: PrincipalRecord, roleGuid: string, scope: string): Promise<void>;
  /** A data-plane call through the pipeline, as the gRPC adapter makes it. */
  dataCall(operation: string, raw: unknown, principal: PrincipalRecord, hsmName: string): Promise<unknown>;
  createHsm(name: string, admins: readonly string[], properties?: Record<string, unknown>): Promise<Reply>;
  close(): Promise<void>;
}

export async function managementCore(): Promise<ManagementCore> {
  const identity = await identityFixture();
  const { store } = identity;
  const dataDir = await mkdtemp(join(tmpdir(), "keyhold-mgmt-"));
  const clock = identity.clock;
  const hsms = new StoreHsmRegistry({ store });
  const management = new ManagementRbac(store);
  const rbac = new LocalRbac(store);
  const audit = new AuditSink({ dataDir, nodeId: "node-1", signingKey: nodeSigningKey(), outbox: store.auditOutbox });
  const seal = openNodeSeal({ dataDir, passphrase: undefined });
  const domains = new HsmDomains(store, seal);
  const pool = lazyPool({ threads: 1, loadKey: createKeyLoader(store, domains) });
  const keys = createKeyDomain({ store, domains, pool });
  const blobs = new BlobStore(dataDir);
  const forwarder = new DiagnosticForwarder({
    nodeId: "node-1",
    store,
    settings: () => storedDiagnosticSettings(store),
    journals: audit,
    delivery: fileDelivery(blobs, store.diagnosticCursors),
    flushIntervalMs: 60_000,
    retryIntervalMs: 60_000,
  });
  const table = operationTable(
    accessControlOperations({ store, rbac }),
    keyOperations(keys),
    cryptoOperations(keys),
    managementOperations({ store, rbac: management, seal, hsms, blobs, now: () => clock.now }),
  );
  const pipeline = new Pipeline({ hsms, verifyToken: identity.verifyToken, directory: identity.directory, rbac, audit, management });
  const https = await buildHttpsApp({
    pipeline,
    operations: table,
    identity: { directory: identity.directory, credentials: identity.credentials, issuer: identity.issuer },
    challenge: (operation) => ({
      authority: `${identity.settings.baseUrl}/${identity.tenant.id}`,
      resource: identity.settings.audiences[operation.plane],
    }),
    routes: MANAGEMENT_ROUTES,
  });

  const user = (name: string): Promise<PrincipalRecord> =>
    identity.directory.createUser(identity.tenant.id, {
      userPrincipalName: `${name}@contoso.test`,
      displayName: name,
      password: "Password-1!",
      enabled: true,
    });
  const token = async (principal: PrincipalRecord, plane: Plane = "management"): Promise<string> =>
    (await identity.issuer.issue({ principal, plane })).accessToken;
  const call: ManagementCore["call"] = async (method, url, principal, payload) => {
    const response = await https.app.inject({
      method,
      url: withApiVersion(url),
      headers: {
        ...(principal === undefined ? {} : { authorization: `Bearer ${await token(principal)}` }),
        ...(typeof payload === "string" ? { "content-type": "application/json" } : {}),
      },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    return { status: response.statusCode, body: response.body === "" ? undefined : response.json(), headers: response.headers };
  };
  const grant: ManagementCore["grant"] = (principal, roleGuid, scope) =>
    store.management.insertRoleAssignment({
      name: randomUUID(),
      scope,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId: principal.id,
      createdAt: clock.now,
    });

  const root = await user("root");
  await grant(root, OWNER.name, "/");
  const setup = [
    await call("PUT", `/subscriptions/${SUBSCRIPTION}`, root, { displayName: "Contoso" }),
    await call("PUT", `/subscriptions/${SUBSCRIPTION}/resourcegroups/${RESOURCE_GROUP}`, root, { location: LOCATION }),
  ];
  for (const reply of setup) if (reply.status !== 201) throw new Error(`setup failed: ${JSON.stringify(reply.body)}`);

  return {
    ...identity,
    dataDir,
    hsms,
    management,
    audit,
    blobs,
    forwarder,
    pipeline,
    table,
    https,
    root,
    clock,
    user,
    token,
    call,
    grant,
    async dataCall(operation, raw, principal, hsmName) {
      const meta: RequestMeta = {
        transport: "grpc",
        method: `/test/${operation}`,
        authorization: `Bearer ${await token(principal, "data")}`,
        hsmName,
        clientRequestId: undefined,
        callerIp: "127.0.0.1",
      };
      return pipeline.dispatch(table.get(operation)!, raw, meta);
    },
    createHsm(name, admins, properties = {}) {
      return call("PUT", hsmPath(name), root, {
        location: LOCATION,
        sku: { family: "B", name: "Standard_B1" },
        properties: { tenantId: identity.tenant.id, initialAdminObjectIds: admins, ...properties },
      });
    },
    async close() {
      await https.app.close();
      await forwarder.close();
      await audit.close();
      await pool.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error code a rejected pipeline call carries. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "no error",
    (error: { code?: string }) => error.code ?? "no code",
  );
}
