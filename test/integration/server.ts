/**
 * A real keyhold node for integration tests: started in-process on port 0
 * with TLS from the development CA, two HSMs from configuration, and gRPC
 * clients that call it over the network as applications do.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type DescMessage, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import type { AuditEvent } from "../../src/audit/index.js";
import { loadConfig } from "../../src/config/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import type { PrincipalRecord } from "../../src/store/records.js";
import { startNode, type RunningNode } from "../../src/server/node.js";
import { clientConstructor } from "../../src/transport/grpc/service-definition.js";
import { copyDevTls } from "../helpers/dev-tls-copy.js";

export interface RpcError {
  code: number;
  details: string;
  errorCode: string | undefined;
}

export interface TestServer {
  node: RunningNode;
  dataDir: string;
  admin: PrincipalRecord;
  keys: Client;
  crypto: Client;
  access: Client;
  /** A client of another service of this node (closed by `stop`). */
  client(service: DescService): Client;
  user(name: string): Promise<PrincipalRecord>;
  token(principal: PrincipalRecord, plane?: "data" | "management"): Promise<string>;
  metadata(token: string | undefined, hsm?: string, requestId?: string): Metadata;
  /** A unary call; resolves with the response or rejects with the status, message and x-error-code. */
  call<S extends DescService, I extends DescMessage, O extends DescMessage>(
    client: Client,
    service: S,
    method: string,
    request: MessageInitShape<I>,
    metadata: Metadata,
  ): Promise<MessageShape<O>>;
  events(hsm?: string): Promise<AuditEvent[]>;
  journalBytes(): Promise<string>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  threads?: number;
  maxQueue?: number;
  eventLoopStallMs?: number;
  dataDir?: string;
  postgresUrl?: string;
  /** The node's audit node id (default: the host name); nodes sharing a database need one each. */
  nodeId?: string;
  /** The token issuer URL; nodes that accept each other's tokens share one, as behind a load balancer. */
  issuerBaseUrl?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "keyhold-it-")));
  copyDevTls(dataDir);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      grpc: { listen: "127.0.0.1:0" },
      https: { listen: "127.0.0.1:0" },
      metrics: { listen: "127.0.0.1:0" },
      workers: { threads: options.threads ?? 2, ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }) },
      providers: { rsa: "native", ec: "native" },
      ...(options.eventLoopStallMs === undefined ? {} : { health: { eventLoopStallMs: options.eventLoopStallMs } }),
      ...(options.postgresUrl === undefined ? {} : { store: { postgres: { url: options.postgresUrl, poolSize: 4 } } }),
      ...(options.nodeId === undefined ? {} : { audit: { nodeId: options.nodeId } }),
      ...(options.issuerBaseUrl === undefined ? {} : { identity: { issuerBaseUrl: options.issuerBaseUrl } }),
      hsms: [
        { name: "hsm-a", initialAdminObjectIds: ["admin"] },
        { name: "hsm-b", initialAdminObjectIds: ["admin"], softDeleteRetentionInDays: 7 },
      ],
    },
  });
  let admin: PrincipalRecord | undefined;
  const node = await startNode(config, {
    logger: pino({ level: "silent" }),
    beforeHsms: async ({ store, directory, tenant }) => {
      // A restart on the same data dir or database finds the admin it made before.
      admin =
        (await store.directory.findPrincipalByUserPrincipalName(tenant.id, "admin")) ??
        (await directory.createUser(tenant.id, {
          userPrincipalName: "admin",
          displayName: "Admin",
          password: "Admin-password-1!",
          enabled: true,
        }));
    },
  });
  const channel = credentials.createSsl(Buffer.from(node.tls!.caPem!));
  const client = (service: DescService): Client =>
    new (clientConstructor(service))(node.addresses.grpc, channel, { "grpc.ssl_target_name_override": "localhost" });
  const keys = client(KeyService);
  const crypto = client(CryptoService);
  const access = client(AccessControlService);
  const others: Client[] = [];
  const journalFiles = async (hsm?: string): Promise<string[]> => {
    const root = join(dataDir, "audit");
    const dirs = hsm === undefined ? await readdir(root) : [hsm];
    return (await Promise.all(dirs.map(async (d) => (await readdir(join(root, d)).catch(() => [])).map((f) => join(root, d, f))))).flat();
  };
  return {
    node,
    dataDir,
    admin: admin!,
    keys,
    crypto,
    access,
    client(service) {
      const made = client(service);
      others.push(made);
      return made;
    },
    user: (name) =>
      node.directory.createUser(node.tenant.id, {
        userPrincipalName: `${name}-${randomUUID().slice(0, 6)}`,
        displayName: name,
        password: "Pass-word-123!",
        enabled: true,
      }),
    token: async (principal, plane = "data") => (await node.issuer.issue({ principal, plane })).accessToken,
    metadata(token, hsm = "hsm-a", requestId) {
      const md = new Metadata();
      if (token !== undefined) md.set("authorization", `Bearer ${token}`);
      if (hsm !== "") md.set("x-hsm-name", hsm);
      if (requestId !== undefined) md.set("x-ms-client-request-id", requestId);
      return md;
    },
    call(clientObject, service, method, request, metadata) {
      const descriptor = service.methods.find((m) => m.localName === method);
      if (descriptor === undefined) throw new Error(`no method ${method}`);
      const message = create(descriptor.input as DescMessage, request as never);
      return new Promise((resolve, reject) => {
        (clientObject as unknown as Record<string, (...args: unknown[]) => void>)[method]!.call(
          clientObject,
          message,
          metadata,
          { deadline: Date.now() + 30_000 },
          (error: ServiceError | null, response: unknown) => {
            if (error) {
              const errorCode = error.metadata?.get("x-error-code")[0];
              reject({
                code: error.code,
                details: error.details,
                errorCode: typeof errorCode === "string" ? errorCode : undefined,
              } satisfies RpcError);
            } else resolve(response as never);
          },
        );
      });
    },
    async events(hsm) {
      const text = (await Promise.all((await journalFiles(hsm)).map((f) => readFile(f, "utf8")))).join("");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event?: AuditEvent })
        .flatMap((r) => (r.event ? [r.event] : []));
    },
    async journalBytes() {
      return (await Promise.all((await journalFiles()).map((f) => readFile(f, "utf8")))).join("\n");
    },
    async stop() {
      for (const c of [keys, crypto, access, ...others]) c.close();
      await node.stop();
    },
  };
}
