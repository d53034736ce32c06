/**
 * A small HTTPS client for the management routes, as the CLI uses them: bearer token, the server's CA (node:https
 * with `ca`), ARM error bodies turned into one readable line, polling of long-running operations through the
 * Location header of a 202, and blob downloads (any bytes, kept as they came).
 */
import { request } from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";
import { formatListenAddress, type ListenAddress } from "../../config/listen-address.js";
import { DEFAULT_LISTEN } from "../../config/defaults.js";
import { KeyholdError } from "../../errors.js";
import { withApiVersion } from "../api-versions.js";

export const DEFAULT_MANAGEMENT_ENDPOINT = DEFAULT_LISTEN.https;
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_POLLS = 120;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Audit blobs hold one hour of one HSM; anything larger is not what this tool is for. */
const MAX_BLOB_BYTES = 256 * 1024 * 1024;

export interface ArmClientOptions {
  /** The HTTPS listener, with its port. */
  readonly endpoint: ListenAddress;
  readonly token: string | undefined;
  /** The CA certificate (PEM) to trust. */
  readonly ca: Buffer;
}

export interface ArmResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** An answer as it came: the body not parsed yet. */
interface RawResponse {
  readonly status: number;
  readonly headers: ArmResponse["headers"];
  readonly body: Buffer;
}

/** An ARM error answer: `CODE (status): message`. */
export class ArmRequestError extends Error {
  override readonly name = "ArmRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code} (${status}): ${message}`);
  }
}

export class ArmClient {
  readonly #host: string;
  readonly #port: number;
  readonly #token: string | undefined;
  readonly #ca: Buffer;

  constructor(options: ArmClientOptions) {
    this.#host = options.endpoint.host;
    this.#port = options.endpoint.port;
    this.#token = options.token;
    this.#ca = options.ca;
  }

  get origin(): string {
    return `https://${formatListenAddress({ host: this.#host, port: this.#port })}`;
  }

  /** Sends the request; any status from 400 up is thrown as ArmRequestError. */
  async send(method: string, path: string, body?: unknown): Promise<ArmResponse> {
    const response = await this.#request(method, path, { body, accept: "application/json", maxBytes: MAX_RESPONSE_BYTES });
    const parsed = parseJson(response.body);
    if (response.status >= 400) throw this.#refusal(response.status, parsed);
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** A blob's bytes as they came (JSON-lines audit logs are not one JSON document); only an error answer is parsed. */
  async download(path: string): Promise<Buffer> {
    const response = await this.#request("GET", path, { body: undefined, accept: "*/*", maxBytes: MAX_BLOB_BYTES });
    if (response.status >= 400) throw this.#refusal(response.status, parseJson(response.body));
    return response.body;
  }

  /** Sends the request and, on 202, polls its operation until it is no longer InProgress; a Failed outcome throws. */
  async sendAndWait(method: string, path: string, body?: unknown, sleep = defaultSleep): Promise<ArmResponse> {
    const first = await this.send(method, path, body);
    const location = header(first.headers, "azure-asyncoperation") ?? header(first.headers, "location");
    if (first.status !== 202 || location === undefined) return first;
    const poll = new URL(location);
    const pollPath = `${poll.pathname}${poll.search}`;
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      const status = (await this.send("GET", pollPath)).body as { status?: string; error?: { code?: string; message?: string } };
      if (status.status === "Succeeded") return first;
      if (status.status === "Failed") {
        throw new ArmRequestError(200, status.error?.code ?? "OperationFailed", status.error?.message ?? "the operation failed");
      }
      await sleep(1000);
    }
    throw new KeyholdError("Unavailable", `The operation at ${pollPath} did not finish in ${MAX_POLLS} polls.`);
  }

  #refusal(status: number, body: unknown): ArmRequestError {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const hint = status === 401 && this.#token === undefined ? " (no token given: pass --token or set KEYHOLD_TOKEN)" : "";
    return new ArmRequestError(
      status,
      String(error?.code ?? "HttpError"),
      `${String(error?.message ?? "the server refused the request")}${hint}`,
    );
  }

  #request(method: string, path: string, options: { body: unknown; accept: string; maxBytes: number }): Promise<RawResponse> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const host = this.#host;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          port: this.#port,
          method,
          path: withApiVersion(path),
          ca: this.#ca,
          // RFC 6066 section 3: no IP addresses in SNI; the certificate is still checked against the address dialled.
          servername: isIP(host) === 0 ? host : "",
          checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            accept: options.accept,
            ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
            ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(payload.length) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxBytes) req.destroy(new Error(`the response is larger than ${options.maxBytes / 1024 / 1024} MiB`));
            else chunks.push(chunk);
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer from ${this.origin} within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on("error", (error: NodeJS.ErrnoException) =>
        reject(new KeyholdError("Unavailable", `cannot reach ${this.origin}: ${error.code ?? error.message} (is the server running?)`)),
      );
      req.end(payload);
    });
  }
}

function parseJson(body: Buffer): unknown {
  const text = body.toString("utf8");
  try {
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return { error: { code: "InvalidResponse", message: "the server's answer is not JSON" } };
  }
}

function header(headers: ArmResponse["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
