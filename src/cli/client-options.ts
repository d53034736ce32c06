/**
 * What every client command shares: the connection options (SPEC section 2),
 * the call metadata (SPEC section 3), one session per command over grpc-js, the
 * way results are printed (`--output text|json`) and errors reported (gRPC
 * status name, `x-error-code` trailer, message; exit code 1; never a stack).
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { toJson, type DescMessage, type DescMethodUnary, type DescService, type MessageShape } from "@bufbuild/protobuf";
import {
  Metadata,
  credentials,
  status,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ServiceError,
} from "@grpc/grpc-js";
import { Command, Option } from "commander";
import { isLoopbackHost } from "../config/listen-address.js";
import { fromBase64Url } from "../crypto/bytes.js";
import { KeyholdError, badParameter } from "../errors.js";
import { devTlsPaths } from "../tls/dev-tls-paths.js";
import { clientConstructor } from "../transport/grpc/service-definition.js";
import { DEFAULT_LISTEN } from "../config/defaults.js";
import { liveServerEndpoints } from "../endpoints-file.js";
import { parseServerTarget, serverIdentityCheck, targetChannelOptions, type ServerTarget } from "../config/server-target.js";

export const DEFAULT_ENDPOINT = DEFAULT_LISTEN.grpc;

/** What a flag's help says about its default: the running server's, else the built-in one. */
export const fromRunningServer = (fallback: string): string =>
  `default: where the server on --data-dir listens (<data-dir>/endpoints.json), else ${fallback}`;

/**
 * An address flag's value: the flag or its environment variable when given, else what the server running on the data
 * dir recorded in endpoints.json, else the built-in default (SPEC section 2).
 */
export function endpointOrDefault(
  given: string | undefined,
  dataDir: string,
  pick: (live: NonNullable<ReturnType<typeof liveServerEndpoints>>) => string,
  fallback: string,
): string {
  if (given !== undefined && given !== "") return given;
  const live = liveServerEndpoints(dataDir);
  return live === undefined ? fallback : pick(live);
}

/** The global --data-dir. */
export function dataDirOf(program: Command): string {
  return String(program.opts<{ dataDir?: string }>().dataDir ?? "./.keyhold");
}
/** Long enough for an RSA-4096 key generation on a busy server, short enough that a hung call ends. */
const CALL_DEADLINE_MS = 60_000;

type OutputFormat = "text" | "json";

/** The options as commander parses them. */
export interface ClientFlags {
  /** Undefined: the running server's, else DEFAULT_ENDPOINT. */
  readonly endpoint?: string;
  readonly hsmName?: string;
  readonly token?: string;
  readonly ca?: string;
  readonly output: string;
  readonly insecure?: boolean;
}

export interface ClientOptions {
  /** One address, or several spread round-robin over one channel (server-target.ts). */
  readonly server: ServerTarget;
  readonly hsmName: string | undefined;
  readonly token: string | undefined;
  /** Undefined with --insecure. */
  readonly caPath: string | undefined;
  readonly output: OutputFormat;
  readonly insecure: boolean;
}

/** Adds the options that say how to reach the server (every gRPC client command, and `keyhold load`), each with its environment variable. */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--endpoint <host:port>",
        `gRPC endpoint of the server; several nodes as IP:PORT,IP:PORT,... or dns:NAME:PORT, called round-robin (${fromRunningServer(DEFAULT_ENDPOINT)})`,
      ).env("KEYHOLD_ENDPOINT"),
    )
    .addOption(new Option("--hsm-name <name>", "the HSM to call (may be left out when the server hosts one HSM)").env("KEYHOLD_HSM"))
    .addOption(new Option("--token <jwt>", "bearer token for the data plane (see `keyhold token`)").env("KEYHOLD_TOKEN"))
    .addOption(new Option("--ca <file>", "CA certificate to trust (default: <data-dir>/tls/ca.pem)").env("KEYHOLD_CA"))
    .addOption(new Option("--insecure", "plaintext gRPC; only to a loopback address (tests)"));
}

/** Adds the shared client options to `command`: the connection options and `--output`. */
export function withClientOptions(command: Command): Command {
  return withConnectionOptions(command).addOption(
    new Option("--output <format>", "text or json (the response as protobuf JSON)").choices(["text", "json"]).default("text"),
  );
}

/** Plaintext only towards a loopback address (SPEC section 2): BadParameter on --insecure otherwise. */
export function checkPlaintextTarget(host: string): void {
  if (!isLoopbackHost(host)) throw badParameter("--insecure", `is allowed only to a loopback address, and ${host} is not one`);
}

/** `--ca`, or by default the CA a --dev server writes into the data dir. */
export function caFileOrDefault(ca: string | undefined, dataDir: string): string {
  return ca ?? devTlsPaths(dataDir).ca;
}

/** Checks the flags and fills the CA default from the global --data-dir. */
export function resolveClientOptions(flags: ClientFlags, dataDir: string): ClientOptions {
  const server = parseServerTarget(endpointOrDefault(flags.endpoint, dataDir, (live) => live.grpc, DEFAULT_ENDPOINT));
  if (flags.output !== "text" && flags.output !== "json") throw badParameter("--output", "must be text or json");
  const insecure = flags.insecure === true;
  if (insecure) for (const host of server.hosts) checkPlaintextTarget(host);
  return {
    server,
    hsmName: flags.hsmName === "" ? undefined : flags.hsmName,
    token: flags.token === "" ? undefined : flags.token,
    caPath: insecure ? undefined : caFileOrDefault(flags.ca, dataDir),
    output: flags.output,
    insecure,
  };
}

/**
 * A flag that must be given and not blank. Returned trimmed unless `trim` is false: the management plane's ids and the
 * load generator's choices ignore surrounding spaces, while key names and role scopes go to the server as typed.
 */
export function requireFlag(flag: string, value: string | undefined, options: { readonly trim?: boolean } = {}): string {
  if (value === undefined || value.trim() === "") throw badParameter(flag, "is required");
  return options.trim === false ? value : value.trim();
}

/** A whole number from `min` to `max`, surrounding spaces ignored. */
export function wholeNumberFlag(flag: string, text: string | undefined, min: number, max: number): number {
  const value = text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw badParameter(flag, `must be a whole number from ${min} to ${max}`);
  return value;
}

export interface TagRules {
  /** Refuse more tags than this. */
  readonly maxTags?: number;
  /** Refuse a tag name given twice instead of keeping its last value. */
  readonly unique?: boolean;
}

/** `k=v` pairs (repeatable flag) to a map; names are non-empty, and the value may hold "=". */
export function parseTags(flag: string, entries: readonly string[], rules: TagRules = {}): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf("=");
    if (at <= 0) throw badParameter(flag, `"${entry}" must be key=value`);
    const key = entry.slice(0, at);
    if (rules.unique === true && Object.hasOwn(tags, key)) throw badParameter(flag, `tag "${key}" is given twice`);
    tags[key] = entry.slice(at + 1);
  }
  if (rules.maxTags !== undefined && Object.keys(tags).length > rules.maxTags) throw badParameter(flag, `at most ${rules.maxTags} tags`);
  return tags;
}

/** Who calls and which HSM (SPEC section 3): the metadata every call carries. */
export function callerMetadata(options: { readonly token?: string | undefined; readonly hsmName?: string | undefined }): Metadata {
  const metadata = new Metadata();
  if (options.token !== undefined && options.token !== "") metadata.set("authorization", `Bearer ${options.token}`);
  if (options.hsmName !== undefined && options.hsmName !== "") metadata.set("x-hsm-name", options.hsmName);
  return metadata;
}

/** SPEC section 3 request metadata; a fresh client request id per call, so the audit record can be found. */
export function requestMetadata(options: ClientOptions, requestId: string = randomUUID()): Metadata {
  const metadata = callerMetadata(options);
  metadata.set("x-ms-client-request-id", requestId);
  return metadata;
}

/** The CA certificate (PEM) at `file`; BadParameter on --ca when it cannot be read. */
export function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw badParameter(
      "--ca",
      `cannot read ${file}; pass the server's CA with --ca or KEYHOLD_CA (a --dev server writes it to <data-dir>/tls/ca.pem)`,
    );
  }
}

function channelCredentials(options: ClientOptions): ChannelCredentials {
  if (options.caPath === undefined) return credentials.createInsecure();
  return tlsCredentials(readCaFile(options.caPath), options.server.hosts);
}

/** TLS trusting `ca`; the certificate must name the host dialled (one of them for a list: serverIdentityCheck), whatever name SNI carries. */
export function tlsCredentials(ca: Buffer, hosts: readonly string[]): ChannelCredentials {
  return credentials.createSsl(ca, null, null, { checkServerIdentity: serverIdentityCheck(hosts) });
}

export function channelOptions(options: ClientOptions): ChannelOptions {
  return targetChannelOptions(options.server, options.caPath !== undefined);
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** `NOT_FOUND (KeyNotFound): The key ...`, with a hint when the cause is most likely local. */
export function formatServiceError(error: ServiceError, options?: ClientOptions): string {
  const statusName = status[error.code] ?? String(error.code);
  const errorCode = error.metadata.get("x-error-code")[0];
  const head = errorCode === undefined ? statusName : `${statusName} (${String(errorCode)})`;
  // The server names its metadata; a CLI user names the flag or the variable.
  if (errorCode === "HsmNotFound" && error.details.startsWith("x-hsm-name is required")) {
    return `${head}: --hsm-name (or KEYHOLD_HSM) is required: the server hosts more than one HSM (or none); name the HSM to call.`;
  }
  let hint = "";
  if (error.code === status.UNAVAILABLE && errorCode === undefined && options !== undefined)
    hint = ` (is the server running at ${options.server.target}?)`;
  if (error.code === status.UNAUTHENTICATED && options !== undefined && options.token === undefined)
    hint = " (no token given: pass --token or set KEYHOLD_TOKEN)";
  return `${head}: ${error.details}${hint}`;
}

type UnaryInvoker = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: unknown) => void,
) => unknown;

/** One command's connection: a grpc-js client per service, all over the same endpoint and credentials. */
export class ClientSession {
  readonly options: ClientOptions;
  readonly #credentials: ChannelCredentials;
  readonly #clients = new Map<string, Client>();

  constructor(options: ClientOptions) {
    this.options = options;
    this.#credentials = channelCredentials(options);
  }

  #client(service: DescService): Client {
    let client = this.#clients.get(service.typeName);
    if (client === undefined) {
      const Constructor = clientConstructor(service);
      client = new Constructor(this.options.server.target, this.#credentials, channelOptions(this.options));
      this.#clients.set(service.typeName, client);
    }
    return client;
  }

  unary<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, request: MessageShape<I>): Promise<MessageShape<O>> {
    const client = this.#client(method.parent);
    // makeGenericClientConstructor adds one method per RPC, named by its local name.
    const invoke = (client as unknown as Record<string, UnaryInvoker>)[method.localName];
    if (invoke === undefined) throw new KeyholdError("InternalError", `The client has no method ${method.localName}.`);
    return new Promise((resolve, reject) => {
      invoke.call(client, request, requestMetadata(this.options), { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
        if (error !== null) reject(error);
        else resolve(response as MessageShape<O>);
      });
    });
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}

/**
 * Runs a client command: resolves the options against the global --data-dir,
 * opens a session, and turns every failure into one line on stderr and exit code 1.
 */
export async function runClient(program: Command, flags: ClientFlags, work: (session: ClientSession) => Promise<void>): Promise<void> {
  let session: ClientSession | undefined;
  try {
    const options = resolveClientOptions(flags, dataDirOf(program));
    session = new ClientSession(options);
    await work(session);
  } catch (error) {
    process.stderr.write(`error: ${describeFailure(error, session?.options)}\n`);
    process.exitCode = 1;
  } finally {
    session?.close();
  }
}

function describeFailure(error: unknown, options: ClientOptions | undefined): string {
  if (isServiceError(error)) return formatServiceError(error, options);
  if (error instanceof KeyholdError) return error.message;
  // Anything else is reported by its message only: a stack trace helps no user of a CLI.
  return error instanceof Error ? error.message : String(error);
}

/** Prints the response as protobuf JSON with --output json, else the short human summary. */
export function printResult<D extends DescMessage>(
  options: ClientOptions,
  schema: D,
  message: MessageShape<D>,
  summary: () => string,
): void {
  const text = options.output === "json" ? JSON.stringify(toJson(schema, message), null, 2) : summary();
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Rows under a header row, each column padded to its widest cell and columns two spaces apart (the text output of lists). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** Bytes given inline as base64url (`valueFlag`) or as a file (`fileFlag`); exactly one of the two. */
export function bytesFromValueOrFile(
  inputs: ReadonlyArray<readonly [flag: string, value: string | undefined, kind: "base64url" | "file"]>,
  readFile: (flag: string, path: string) => Uint8Array = readInputFile,
): Uint8Array {
  const given = inputs.filter(([, value]) => value !== undefined);
  const names = inputs.map(([flag]) => flag).join(", ");
  const [only] = given;
  if (given.length !== 1 || only === undefined) {
    throw badParameter(inputs[0]?.[0] ?? "input", `give exactly one of ${names}`);
  }
  const [flag, value, kind] = only;
  return kind === "file" ? readFile(flag, value ?? "") : fromBase64Url(value, flag);
}

/** Optional base64url bytes (`--iv`, `--aad`, `--tag`); empty when the flag is absent. */
export function optionalBase64Url(flag: string, value: string | undefined): Uint8Array {
  return value === undefined ? new Uint8Array(0) : fromBase64Url(value, flag);
}

export function readInputFile(flag: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw badParameter(flag, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

/** A JSON file given by `flag`; its parse error is not echoed, since the file may hold key material. */
export function readJsonFile(flag: string, path: string, readFile: (flag: string, path: string) => Uint8Array = readInputFile): unknown {
  const text = Buffer.from(readFile(flag, path)).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badParameter(flag, `${path} is not valid JSON`);
  }
}

/** Writes output bytes readable by the owner only: they may be plaintext or key material. */
export function writeOutputFile(flag: string, path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes, { mode: 0o600 });
  } catch (error) {
    throw badParameter(flag, `cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? "unwritable"})`);
  }
}

/** Every page of a paged list method, following next_page_token. */
export async function allPages<T>(fetchPage: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const items: T[] = [];
  let pageToken = "";
  // A bound so a server that keeps returning a token cannot keep the CLI busy forever.
  for (let page = 0; page < 10_000; page++) {
    const result = await fetchPage(pageToken);
    items.push(...result.items);
    if (result.nextPageToken === "") return items;
    pageToken = result.nextPageToken;
  }
  throw new KeyholdError("InternalError", "The server returned more than 10000 pages.");
}
