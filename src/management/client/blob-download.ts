/**
 * Reads a blob's bytes over HTTPS. ArmClient reads JSON answers; a blob is any bytes (JSON-lines audit logs are not
 * one JSON document), so this fetch keeps the body as it came and parses only an error answer. Same trust as
 * ArmClient: the server's CA, the certificate checked against the address dialled, no IP address in SNI.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";
import { parseListenAddress } from "../../config/listen-address.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { API_VERSION, ArmRequestError, type ArmClientOptions } from "./arm-client.js";

const REQUEST_TIMEOUT_MS = 60_000;
/** Audit blobs hold one hour of one HSM; anything larger is not what this tool is for. */
const MAX_BLOB_BYTES = 256 * 1024 * 1024;

export async function downloadBlob(options: ArmClientOptions, path: string): Promise<Buffer> {
  const { host, port } = parseListenAddress("--endpoint", options.endpoint);
  if (port === 0) throw badParameter("--endpoint", "needs the server's port, from 1 to 65535");
  let ca: Buffer;
  try {
    ca = readFileSync(options.caPath);
  } catch {
    throw badParameter("--ca", `cannot read ${options.caPath}; pass the server's CA with --ca or KEYHOLD_CA`);
  }
  const { status, body } = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: "GET",
        path: `${path}${path.includes("?") ? "&" : "?"}api-version=${API_VERSION}`,
        ca,
        servername: isIP(host) === 0 ? host : "",
        checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
        timeout: REQUEST_TIMEOUT_MS,
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BLOB_BYTES) req.destroy(new Error(`the blob is larger than ${MAX_BLOB_BYTES / 1024 / 1024} MiB`));
          else chunks.push(chunk);
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", (error: NodeJS.ErrnoException) => reject(new KeyholdError("Unavailable", `cannot reach ${options.endpoint}: ${error.code ?? error.message}`)));
    req.end();
  });
  if (status >= 400) throw errorOf(status, body);
  return body;
}

function errorOf(status: number, body: Buffer): ArmRequestError {
  try {
    const error = (JSON.parse(body.toString("utf8")) as { error?: { code?: unknown; message?: unknown } }).error;
    return new ArmRequestError(status, String(error?.code ?? "HttpError"), String(error?.message ?? "the server refused the request"));
  } catch {
    return new ArmRequestError(status, "HttpError", "the server refused the request");
  }
}
