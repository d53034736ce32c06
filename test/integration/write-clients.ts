/**
 * Clients for tests that write to a real server process and then reconcile its store against its journals: gRPC
 * (keys, access control, crypto) and HTTPS (Graph) with the dev CA, tokens minted in-process from the data dir's
 * issuer key (as `keyhold token` does, without a CLI process per token), and each call's outcome classified as
 * acknowledged, refused by the server (it answered with an error code) or lost (the process was gone).
 */
import { readdir, readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { readJournalLines } from "../../src/audit/lines.js";
import { parseRecordLine, isCheckpoint } from "../../src/audit/record.js";
import type { AuditEvent } from "../../src/audit/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { Directory } from "../../src/identity/directory.js";
import { issuerSettings } from "../../src/identity/issuer-settings.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { openStore } from "../../src/store/index.js";
import { clientConstructor } from "../../src/transport/grpc/service-definition.js";
import type { DevServer } from "../helpers/dev-server.js";

export type Outcome =
  | { readonly kind: "ok"; readonly value: Record<string, unknown> }
  | { readonly kind: "refused"; readonly code: string }
  | { readonly kind: "lost" };

const SERVICES = { keys: KeyService, access: AccessControlService, crypto: CryptoService } as const;

export interface Connection {
  grpc(service: keyof typeof SERVICES, method: string, request: object, requestId: string): Promise<Outcome>;
  https(method: string, path: string, body: unknown, requestId: string): Promise<Outcome>;
  adminId(): Promise<string>;
  listKeys(): Promise<string[]>;
  listAssignmentNames(): Promise<string[]>;
  listGroups(): Promise<string[]>;
  close(): void;
}

async function mintTokens(dataDir: string, httpsAddress: string): Promise<{ data: string; management: string; adminId: string }> {
  const store = await openStore({ dataDir });
  try {
    const directory = new Directory(store);
    const [tenant] = await store.directory.listTenants();
    const admin = await directory.findPrincipal(tenant!.id, "admin");
    const issuer = await TokenIssuer.open(store, issuerSettings({ baseUrl: `https://${httpsAddress}` }));
    const data = (await issuer.issue({ principal: admin, plane: "data" })).accessToken;
    const management = (await issuer.issue({ principal: admin, plane: "management" })).accessToken;
    return { data, management, adminId: admin.id };
  } finally {
    await store.close();
  }
}

/** `ownConnection`: a TCP connection of its own, not shared with other connections to the same server (grpc-js shares them by default). */
export async function connect(
  dataDir: string,
  server: Pick<DevServer, "grpc" | "https">,
  { ownConnection = false } = {},
): Promise<Connection> {
  const tokens = await mintTokens(dataDir, server.https);
  const ca = await readFile(join(dataDir, "tls", "ca.pem"));
  const channel = credentials.createSsl(ca);
  const options = { "grpc.ssl_target_name_override": "localhost", ...(ownConnection ? { "grpc.use_local_subchannel_pool": 1 } : {}) };
  const clients = Object.fromEntries(
    Object.entries(SERVICES).map(([name, service]) => [name, new (clientConstructor(service))(server.grpc, channel, options)]),
  ) as unknown as Record<keyof typeof SERVICES, Client>;

  const grpc = (service: keyof typeof SERVICES, method: string, message: object, requestId: string): Promise<Outcome> => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${tokens.data}`);
    metadata.set("x-hsm-name", "dev");
    metadata.set("x-ms-client-request-id", requestId);
    const schema = (SERVICES[service].method as Record<string, { input: DescMessage }>)[method]!.input;
    return new Promise((resolve) => {
      (clients[service] as unknown as Record<string, (...a: unknown[]) => void>)[method]!.call(
        clients[service],
        create(schema, message as never),
        metadata,
        { deadline: Date.now() + 10_000 },
        (error: ServiceError | null, response: Record<string, unknown>) => {
          if (error === null) return resolve({ kind: "ok", value: response });
          // Only the server sets x-error-code; a call cut off by the kill has none.
          const code = error.metadata?.get("x-error-code")[0];
          resolve(typeof code === "string" ? { kind: "refused", code } : { kind: "lost" });
        },
      );
    });
  };

  const https = (method: string, path: string, body: unknown, requestId: string): Promise<Outcome> => {
    const [host, port] = [server.https.slice(0, server.https.lastIndexOf(":")), server.https.slice(server.https.lastIndexOf(":") + 1)];
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve) => {
      const req = request(
        {
          host,
          port: Number(port),
          method,
          path,
          ca,
          servername: "localhost",
          timeout: 10_000,
          headers: {
            authorization: `Bearer ${tokens.management}`,
            "x-ms-client-request-id": requestId,
            ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => {
            const parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
            const status = response.statusCode ?? 0;
            if (status < 400) return resolve({ kind: "ok", value: parsed });
            resolve({ kind: "refused", code: String((parsed["error"] as { code?: string } | undefined)?.code ?? status) });
          });
          response.on("error", () => resolve({ kind: "lost" }));
        },
      );
      req.on("error", () => resolve({ kind: "lost" }));
      req.on("timeout", () => req.destroy());
      req.end(payload);
    });
  };

  const ok = (outcome: Outcome): Record<string, unknown> => {
    if (outcome.kind !== "ok") throw new Error(`call failed: ${JSON.stringify(outcome)}`);
    return outcome.value;
  };

  return {
    grpc,
    https,
    adminId: async () => tokens.adminId,
    async listKeys() {
      const names: string[] = [];
      let pageToken = "";
      do {
        const page = ok(await grpc("keys", "listKeys", { pageSize: 1000, pageToken }, "list-keys"));
        names.push(...(page["keys"] as { kid: string }[]).map((bundle) => bundle.kid.split("/")[4]!));
        pageToken = page["nextPageToken"] as string;
      } while (pageToken !== "");
      return names;
    },
    async listAssignmentNames() {
      const names: string[] = [];
      let pageToken = "";
      do {
        const page = ok(await grpc("access", "listRoleAssignments", { scope: "/keys", pageSize: 1000, pageToken }, "list-assignments"));
        names.push(...(page["roleAssignments"] as { name: string }[]).map((assignment) => assignment.name));
        pageToken = page["nextPageToken"] as string;
      } while (pageToken !== "");
      return names;
    },
    async listGroups() {
      const page = ok(await https("GET", "/v1.0/groups", undefined, "list-groups"));
      return (page["value"] as { displayName: string }[]).map((group) => group.displayName);
    },
    close() {
      for (const client of Object.values(clients)) client.close();
    },
  };
}

/** The events of one journal file, in order (checkpoints left out). */
export async function journalEvents(path: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const line of readJournalLines(path)) {
    const record = parseRecordLine(line.text);
    if (record !== undefined && !isCheckpoint(record)) events.push(record.event);
  }
  return events;
}

/** Every journal file of the data dir (one per HSM per node, plus the management journal). */
export async function journalFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, "audit");
  const files: string[] = [];
  for (const hsm of await readdir(root)) {
    for (const file of await readdir(join(root, hsm))) if (file.endsWith(".jsonl")) files.push(join(root, hsm, file));
  }
  return files;
}
