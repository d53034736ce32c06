/**
 * What the disaster-recovery drill and the backup fault tests share: `keyhold serve --dev` as a child process on
 * port-0 listeners, and in-process clients for everything that does not test the CLI itself: gRPC sessions, the
 * management plane's HTTPS client, and tokens minted from the data dir's issuer key with the library `keyhold token`
 * uses (no CLI process per token).
 *
 * Needs `npm run build` first: it runs dist/src/cli/index.js, as `npx keyhold` does.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { Directory } from "../../src/identity/directory.js";
import { issuerSettings } from "../../src/identity/issuer-settings.js";
import { parsePlane } from "../../src/identity/planes.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { ArmClient } from "../../src/management/client/arm-client.js";
import { parseListenAddress } from "../../src/config/listen-address.js";
import { openStore } from "../../src/store/index.js";
import { clientConstructor } from "../../src/transport/grpc/service-definition.js";
import { killHard, startDevServer, type DevServer as StartedDevServer } from "../helpers/dev-server.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const DEV_SUBSCRIPTION = "de7e1000-0000-4000-8000-000000000001";
export const DEV_RESOURCE_GROUP = "dev";

export interface DevServer extends StartedDevServer {
  readonly dataDir: string;
}

/** Starts `keyhold serve --dev` on `dataDir` and resolves once it prints its listeners. */
export async function serveDev(dataDir: string): Promise<DevServer> {
  return { ...(await startDevServer({ dataDir })), dataDir };
}

export { killHard };

/**
 * A data-plane or management-plane token for `principal`, minted in-process from the data dir's store as `keyhold
 * token` does (the same Directory and TokenIssuer; its issuer URL is the server's HTTPS listener).
 */
export async function mintToken(server: DevServer, principal: string, plane: "data" | "management" = "data"): Promise<string> {
  const store = await openStore({ dataDir: server.dataDir });
  try {
    const directory = new Directory(store);
    const [tenant, ...others] = await directory.listTenants();
    if (tenant === undefined || others.length > 0) throw new Error("the dev data dir should hold exactly one tenant");
    const found = await directory.findPrincipal(tenant.id, principal);
    const issuer = await TokenIssuer.open(store, issuerSettings({ baseUrl: `https://${server.https}` }));
    return (await issuer.issue({ principal: found, plane: parsePlane("--plane", plane) })).accessToken;
  } finally {
    await store.close();
  }
}

/** The management plane's HTTPS client as `keyhold hsm|storage ...` builds it: the data dir's CA and a bearer token. */
export async function managementClient(server: DevServer, token: string): Promise<ArmClient> {
  return new ArmClient({
    endpoint: parseListenAddress("endpoint", server.https),
    token,
    ca: await readFile(join(server.dataDir, "tls", "ca.pem")),
  });
}

export interface GrpcSession {
  readonly metadata: Metadata;
  call<I extends DescMessage, O extends DescMessage>(
    service: DescService,
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
  ): Promise<MessageShape<O>>;
  close(): void;
}

/** gRPC clients of `server` as the CLI builds them: the data dir's CA, a bearer token, the HSM named in metadata. */
export async function grpcSession(server: DevServer, token: string, hsmName: string): Promise<GrpcSession> {
  const ca = credentials.createSsl(await readFile(join(server.dataDir, "tls", "ca.pem")));
  const options = { "grpc.ssl_target_name_override": "localhost" };
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  metadata.set("x-hsm-name", hsmName);
  const clients = new Map<string, Client>();
  const clientFor = (service: DescService): Client => {
    let client = clients.get(service.typeName);
    if (client === undefined) {
      client = new (clientConstructor(service))(server.grpc, ca, options);
      clients.set(service.typeName, client);
    }
    return client;
  };
  return {
    metadata,
    call: (service, method, request) =>
      new Promise((done, fail) => {
        const client = clientFor(service) as unknown as Record<string, (...args: unknown[]) => void>;
        client[method.localName]!.call(
          client,
          create(method.input, request),
          metadata,
          { deadline: Date.now() + 30_000 },
          (error: ServiceError | null, response: MessageShape<typeof method.output>) => (error ? fail(error) : done(response)),
        );
      }),
    close: () => {
      for (const client of clients.values()) client.close();
    },
  };
}

/** Runs `work` over `items` with at most `concurrency` calls in flight. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
