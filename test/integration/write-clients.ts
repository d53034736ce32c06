/**
 * Clients for tests that write to a real server process and then reconcile its store against its journals: gRPC
 * (keys, access control, crypto) and HTTPS (Graph) with the dev CA, tokens minted in-process from the data dir's
 * issuer key (as `keyhold token` does, without a CLI process per token), and each call's outcome classified as
 * acknowledged, refused by the server (it answered with an error code) or lost (the process was gone).
 */
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { expect } from "vitest";
import { readJournalLines } from "../../src/audit/lines.js";
import { parseRecordLine, isCheckpoint } from "../../src/audit/record.js";
import { verifyJournal, type AuditEvent } from "../../src/audit/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { Directory } from "../../src/identity/directory.js";
import { issuerSettings } from "../../src/identity/issuer-settings.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { openStore, type Store } from "../../src/store/index.js";
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

/** Where a server keeps its store and names its tokens' issuer, when not in its data dir and at its own address. */
export interface ConnectOptions {
  /** Opens the store the server uses (PostgreSQL for a node of several); by default the data dir's SQLite file. */
  readonly openStore?: () => Promise<Store>;
  readonly issuerBaseUrl?: string;
  /** The HSM the data-plane calls name; by default the dev HSM. */
  readonly hsm?: string;
}

async function mintTokens(
  dataDir: string,
  httpsAddress: string,
  options: ConnectOptions,
): Promise<{ data: string; management: string; adminId: string }> {
  const store = await (options.openStore ?? (() => openStore({ dataDir })))();
  try {
    const directory = new Directory(store);
    const [tenant] = await store.directory.listTenants();
    const admin = await directory.findPrincipal(tenant!.id, "admin");
    const issuer = await TokenIssuer.open(store, issuerSettings({ baseUrl: options.issuerBaseUrl ?? `https://${httpsAddress}` }));
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
  options: ConnectOptions & { readonly ownConnection?: boolean } = {},
): Promise<Connection> {
  const tokens = await mintTokens(dataDir, server.https, options);
  const ca = await readFile(join(dataDir, "tls", "ca.pem"));
  const channel = credentials.createSsl(ca);
  const channelOptions = {
    "grpc.ssl_target_name_override": "localhost",
    ...(options.ownConnection === true ? { "grpc.use_local_subchannel_pool": 1 } : {}),
  };
  const clients = Object.fromEntries(
    Object.entries(SERVICES).map(([name, service]) => [name, new (clientConstructor(service))(server.grpc, channel, channelOptions)]),
  ) as unknown as Record<keyof typeof SERVICES, Client>;

  const grpc = (service: keyof typeof SERVICES, method: string, message: object, requestId: string): Promise<Outcome> => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${tokens.data}`);
    metadata.set("x-hsm-name", options.hsm ?? "dev");
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

/** The built-in Managed HSM Crypto User role. */
export const CRYPTO_USER = "21dbd100-6940-42c2-9190-5d6cb909625b";

/** One change a writer asked for, and what became of the call. */
export interface Write {
  readonly kind: "key" | "assignment" | "group";
  /** The key name, assignment name or group display name the write creates. */
  readonly name: string;
  /** Its x-ms-client-request-id, which the audit record carries as correlationId. */
  readonly requestId: string;
  outcome?: Outcome;
}

/** Writes changes of one kind, one after another, until `until` or until the server is gone. */
export async function writeLoop(
  connection: Connection,
  kind: Write["kind"],
  writes: Write[],
  until: number,
  adminId: string,
): Promise<void> {
  while (Date.now() < until) {
    const requestId = randomUUID();
    const write: Write = { kind, name: kind === "assignment" ? randomUUID() : `${kind}-${requestId.slice(0, 8)}`, requestId };
    writes.push(write);
    if (kind === "key")
      write.outcome = await connection.grpc("keys", "createKey", { name: write.name, kty: "EC", crv: "P-256" }, requestId);
    if (kind === "assignment") {
      write.outcome = await connection.grpc(
        "access",
        "createRoleAssignment",
        { scope: "/keys", name: write.name, roleDefinitionId: CRYPTO_USER, principalId: adminId },
        requestId,
      );
    }
    if (kind === "group")
      write.outcome = await connection.https(
        "POST",
        "/v1.0/groups",
        { displayName: write.name, mailEnabled: false, securityEnabled: true },
        requestId,
      );
    if (write.outcome?.kind === "lost") return; // the process is gone
  }
}

/**
 * The store against the journals (SPEC sections 9 and 12), across every node whose journals are given: each journal's
 * chain verifies, every change the store holds has exactly one Success record, every acknowledged change is held, no
 * change the server refused is held, and nothing is held that no writer asked for.
 */
export async function reconcile(
  writes: readonly Write[],
  stored: Readonly<Partial<Record<Write["kind"], ReadonlySet<string>>>>,
  journals: readonly string[],
): Promise<{ counts: { acknowledged: number; refused: number; lost: number; lostKept: number }; records: number }> {
  for (const path of journals) expect((await verifyJournal(path)).ok, path).toBe(true);
  const events = (await Promise.all(journals.map(journalEvents))).flat();
  const successes = new Map<string, number>();
  for (const event of events) {
    if (event.resultType === "Success") successes.set(event.correlationId, (successes.get(event.correlationId) ?? 0) + 1);
  }
  const counts = { acknowledged: 0, refused: 0, lost: 0, lostKept: 0 };
  for (const write of writes) {
    const kept = stored[write.kind]?.has(write.name) ?? false;
    const outcome = write.outcome?.kind ?? "lost";
    if (outcome === "ok") {
      counts.acknowledged++;
      expect(kept, `${write.kind} ${write.name} was acknowledged`).toBe(true);
    }
    if (outcome === "refused") {
      counts.refused++;
      expect(kept, `${write.kind} ${write.name} was refused (${write.outcome?.kind === "refused" ? write.outcome.code : ""})`).toBe(false);
    }
    if (outcome === "lost") {
      counts.lost++;
      if (kept) counts.lostKept++;
    }
    // Whatever the outcome: a change in the store has exactly one Success record; a change not kept has none.
    expect(successes.get(write.requestId) ?? 0, `${write.kind} ${write.name} (${outcome}, kept: ${kept})`).toBe(kept ? 1 : 0);
  }
  for (const [kind, names] of Object.entries(stored) as [Write["kind"], ReadonlySet<string>][]) {
    const ours = new Set(writes.filter((w) => w.kind === kind).map((w) => w.name));
    for (const name of names)
      if (kind !== "assignment" || ours.has(name)) expect(ours.has(name), `${kind} ${name} came from nowhere`).toBe(true);
  }
  expect(counts.acknowledged).toBeGreaterThan(0);
  return { counts, records: events.length };
}
