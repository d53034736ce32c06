/**
 * `keyhold load --protocol rest`: the six crypto operations through the Key Vault REST door (SPEC section 13) of the
 * HTTPS listener, over node:https with one keep-alive agent, so that a run measures the door and not connection
 * setup. It speaks the same CryptoRequest / CryptoResponse shapes as the gRPC connection: the prepared requests,
 * the answer checks, the loops and the report are shared, and only the wire differs.
 */
import { Agent, request as httpsRequest } from "node:https";
import { Agent as PlainAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { create } from "@bufbuild/protobuf";
import { toBase64Url } from "../crypto/bytes.js";
import { checkPlaintextTarget } from "../cli/client-options.js";
import { serverEndpoint } from "../config/server-target.js";
import { formatListenAddress, type ListenAddress } from "../config/listen-address.js";
import { badParameter } from "../errors.js";
import { isRecord } from "../is-record.js";
import {
  DecryptResponseSchema,
  EncryptResponseSchema,
  SignResponseSchema,
  UnwrapKeyResponseSchema,
  VerifyResponseSchema,
  WrapKeyResponseSchema,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import type { ConnectionOptions, CryptoConnection } from "./connection.js";
import { LoadError } from "./load-error.js";
import type { CryptoRequest, CryptoResponse } from "./operations.js";
import { WRONG_RESULT, type Outcome } from "./outcome.js";

/** The api-version @azure/keyvault-keys 4.10 sends; the door serves it (src/keyvault/api-version.ts). */
const API_VERSION = "2025-07-01";
const DEFAULT_CALL_TIMEOUT_MS = 10_000;

interface RestOrigin {
  /** `https://host:port` (`http://` only with --insecure, towards loopback). */
  readonly origin: string;
  readonly secure: boolean;
}

/**
 * `--endpoint` with `--protocol rest`: one origin of the HTTPS listener, `https://HOST:PORT` or `HOST:PORT` (the
 * scheme is checked against --insecure by checkRestConnection). The host name may name the HSM
 * (`https://dev.managedhsm.keyhold.local:8443`); localhost and IP addresses name none, and then `--hsm-name` (sent
 * as `x-hsm-name`) or the server's only HSM decides.
 */
export function parseRestEndpoint(text: string): { address: ListenAddress; scheme: "http" | "https" | undefined } {
  const trimmed = text.trim();
  const scheme = /^(https?):\/\//i.exec(trimmed);
  const rest = scheme === null ? trimmed : trimmed.slice(scheme[0].length).replace(/\/$/, "");
  if (rest.includes(",") || /^dns:/i.test(rest))
    throw badParameter("--endpoint", "with --protocol rest takes one origin of the HTTPS listener (https://HOST:PORT), not a list");
  if (rest.includes("/")) throw badParameter("--endpoint", "with --protocol rest is an origin (https://HOST:PORT) without a path");
  const given = scheme?.[1]?.toLowerCase();
  return { address: serverEndpoint(rest), scheme: given === "http" || given === "https" ? given : undefined };
}

/** TLS unless --insecure, which is plaintext HTTP towards a loopback address only (as for gRPC). */
function restOrigin(options: ConnectionOptions): RestOrigin {
  const { address, scheme } = parseRestEndpoint(options.endpoint);
  const insecure = options.insecure === true;
  if (insecure) {
    if (scheme === "https") throw badParameter("--insecure", "asks for plaintext HTTP, but --endpoint is an https:// origin");
    checkPlaintextTarget(address.host);
  } else if (scheme === "http") {
    throw badParameter("--endpoint", "an http:// origin is plaintext: use https://, or --insecure towards a loopback address");
  }
  return { origin: `${insecure ? "http" : "https"}://${formatListenAddress(address)}`, secure: !insecure };
}

/** Throws BadParameter naming the flag when these options cannot make a REST connection. */
export function checkRestConnection(options: ConnectionOptions): void {
  const { secure } = restOrigin(options);
  if (secure && options.caPem === undefined) throw badParameter("--ca", "a CA certificate (PEM) is needed for TLS");
}

/** Path, body and the mapping of the JSON answer back to the gRPC response shape, made once per prepared request. */
interface RestCall {
  readonly path: string;
  readonly body: string;
  readonly answer: (json: Record<string, unknown>) => CryptoResponse | undefined;
}

export function openRestConnection(options: ConnectionOptions): CryptoConnection {
  checkRestConnection(options);
  const { origin, secure } = restOrigin(options);
  const url = new URL(origin);
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  // Keep-alive: each loop reuses its connection, as the SDKs' pipeline does; no limit on sockets beyond the loops.
  const agent = secure ? new Agent({ keepAlive: true, ca: options.caPem }) : new PlainAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== undefined && options.token !== "") headers["authorization"] = `Bearer ${options.token}`;
  if (options.hsmName !== undefined && options.hsmName !== "") headers["x-hsm-name"] = options.hsmName;
  // The run sends the same prepared request over and over: its path and JSON are built once.
  const calls = new WeakMap<CryptoRequest["value"], RestCall>();

  const unary = (request: CryptoRequest): Promise<{ outcome: Outcome; response?: CryptoResponse }> => {
    let call = calls.get(request.value);
    if (call === undefined) calls.set(request.value, (call = restCall(request)));
    const { path, body, answer } = call;
    return new Promise((resolve) => {
      const outgoing = send(
        {
          agent,
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port,
          method: "POST",
          path,
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (incoming) => {
          readJson(incoming).then(
            (json) => resolve(outcomeOf(incoming.statusCode ?? 0, json, answer)),
            () => resolve({ outcome: { ok: false, code: "NETWORK_ERROR" } }),
          );
        },
      );
      outgoing.setTimeout(callTimeoutMs, () => outgoing.destroy(new TimeoutError()));
      outgoing.on("error", (error: NodeJS.ErrnoException) =>
        resolve({ outcome: { ok: false, code: error instanceof TimeoutError ? "TIMEOUT" : (error.code ?? "NETWORK_ERROR") } }),
      );
      outgoing.end(body);
    });
  };

  return {
    callTimeoutMs,
    unary,
    openStream: () => {
      throw new LoadError("--stream is not available with --protocol rest: the Key Vault REST API has no stream");
    },
    close: () => agent.destroy(),
  };
}

class TimeoutError extends Error {}

async function readJson(incoming: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** 200 with the expected fields: the answer; another status: `HTTP 403 (Forbidden)`, Key Vault's code from the body. */
function outcomeOf(status: number, json: unknown, answer: RestCall["answer"]): { outcome: Outcome; response?: CryptoResponse } {
  if (status === 200) {
    const response = isRecord(json) ? answer(json) : undefined;
    return response === undefined ? { outcome: { ok: false, code: WRONG_RESULT } } : { outcome: { ok: true }, response };
  }
  const error = isRecord(json) && isRecord(json["error"]) ? json["error"]["code"] : undefined;
  const code = `HTTP ${status}`;
  return { outcome: typeof error === "string" && error !== "" ? { ok: false, code, errorCode: error } : { ok: false, code } };
}

/** base64url bytes of a JSON answer, or undefined when the field is missing or not a string. */
function bytesOf(json: Record<string, unknown>, field: string): Uint8Array | undefined {
  const value = json[field];
  return typeof value === "string" ? new Uint8Array(Buffer.from(value, "base64url")) : undefined;
}

const optional = (field: string, bytes: Uint8Array): Record<string, string> => (bytes.length === 0 ? {} : { [field]: toBase64Url(bytes) });

/** Key Vault's `POST /keys/{name}/{version}/{op}` for one CryptoRequest (an empty version: `//`, the latest). */
function restCall(request: CryptoRequest): RestCall {
  const { name, version, algorithm } = request.value as { name: string; version: string; algorithm: string };
  const path = (op: string) => `/keys/${encodeURIComponent(name)}/${encodeURIComponent(version)}/${op}?api-version=${API_VERSION}`;
  const call = (op: string, body: Record<string, string>, answer: RestCall["answer"]): RestCall => ({
    path: path(op),
    body: JSON.stringify({ alg: algorithm, ...body }),
    answer,
  });
  const kid = (json: Record<string, unknown>) => (typeof json["kid"] === "string" ? json["kid"] : "");
  switch (request.case) {
    case "sign":
      return call("sign", { value: toBase64Url(request.value.digest) }, (json) => {
        const signature = bytesOf(json, "value");
        return signature && { case: "sign", value: create(SignResponseSchema, { kid: kid(json), signature }) };
      });
    case "verify":
      return call("verify", { digest: toBase64Url(request.value.digest), value: toBase64Url(request.value.signature) }, (json) =>
        typeof json["value"] === "boolean" ? { case: "verify", value: create(VerifyResponseSchema, { valid: json["value"] }) } : undefined,
      );
    case "encrypt":
      return call(
        "encrypt",
        { value: toBase64Url(request.value.plaintext), ...optional("iv", request.value.iv), ...optional("aad", request.value.aad) },
        (json) => {
          const ciphertext = bytesOf(json, "value");
          return (
            ciphertext && {
              case: "encrypt",
              value: create(EncryptResponseSchema, {
                kid: kid(json),
                ciphertext,
                iv: bytesOf(json, "iv") ?? new Uint8Array(0),
                tag: bytesOf(json, "tag") ?? new Uint8Array(0),
              }),
            }
          );
        },
      );
    case "decrypt": {
      const { ciphertext, iv, aad, tag } = request.value;
      return call(
        "decrypt",
        { value: toBase64Url(ciphertext), ...optional("iv", iv), ...optional("aad", aad), ...optional("tag", tag) },
        (json) => {
          const plaintext = bytesOf(json, "value");
          return plaintext && { case: "decrypt", value: create(DecryptResponseSchema, { kid: kid(json), plaintext }) };
        },
      );
    }
    case "wrapKey":
      return call("wrapkey", { value: toBase64Url(request.value.key) }, (json) => {
        const wrappedKey = bytesOf(json, "value");
        return wrappedKey && { case: "wrapKey", value: create(WrapKeyResponseSchema, { kid: kid(json), wrappedKey }) };
      });
    case "unwrapKey":
      return call("unwrapkey", { value: toBase64Url(request.value.wrappedKey) }, (json) => {
        const key = bytesOf(json, "value");
        return key && { case: "unwrapKey", value: create(UnwrapKeyResponseSchema, { kid: kid(json), key }) };
      });
    default:
      throw new LoadError(`--protocol rest: the Key Vault REST API has no ${request.case} call (--batch is gRPC only)`);
  }
}
