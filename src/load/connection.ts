/**
 * One grpc-js channel to CryptoService with the caller's metadata on every
 * call (SPEC section 3: `authorization: Bearer`, `x-hsm-name`). TLS with the
 * given CA by default; plaintext only towards a loopback address.
 */
import { ChannelCredentials, status, type ChannelOptions, type ClientDuplexStream, type Metadata, type ServiceError } from "@grpc/grpc-js";
import { callerMetadata, checkPlaintextTarget, tlsCredentials } from "../cli/client-options.js";
import { parseServerTarget, targetChannelOptions, type ServerTarget } from "../config/server-target.js";
import { badParameter } from "../errors.js";
import { CryptoService, type StreamRequest, type StreamResponse } from "../gen/keyhold/v1/crypto_service_pb.js";
import { MAX_MESSAGE_BYTES, clientConstructor } from "../transport/grpc/service-definition.js";
import type { CryptoMethod, CryptoRequest, CryptoResponse } from "./operations.js";
import type { Outcome } from "./outcome.js";

/** Which door the load goes through: gRPC's CryptoService, or the Key Vault REST API of the HTTPS listener. */
export const LOAD_PROTOCOLS = ["grpc", "rest"] as const;
export type LoadProtocol = (typeof LOAD_PROTOCOLS)[number];

export interface ConnectionOptions {
  /** Absent: grpc. */
  protocol?: LoadProtocol;
  /** gRPC: HOST:PORT, IP:PORT,IP:PORT,... or dns:NAME:PORT (src/cli/server-target.ts); rest: https://HOST:PORT. */
  endpoint: string;
  /** PEM of the CA that issued the server's certificate; ignored when `insecure`. */
  caPem?: string;
  /** Plaintext HTTP/2; refused unless the endpoint is a loopback address. */
  insecure?: boolean;
  token?: string;
  hsmName?: string;
  /** Deadline of each call, and how long a Stream item may stay unanswered. */
  callTimeoutMs?: number;
}

type UnaryCallback = (error: ServiceError | null, response?: CryptoResponse["value"]) => void;
type UnaryMethod = (request: CryptoRequest["value"], metadata: Metadata, options: { deadline: number }, callback: UnaryCallback) => void;

interface CryptoClient {
  close(): void;
  stream(metadata: Metadata, options: { deadline: number }): ClientDuplexStream<StreamRequest, StreamResponse>;
}

export interface CryptoConnection {
  /** One unary call; never rejects: failures come back as outcomes. */
  unary(request: CryptoRequest): Promise<{ outcome: Outcome; response?: CryptoResponse }>;
  openStream(): ClientDuplexStream<StreamRequest, StreamResponse>;
  readonly callTimeoutMs: number;
  close(): void;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** The channel's credentials and TLS options; throws BadParameter naming the flag when these options cannot make a connection. */
function channelSecurity(options: ConnectionOptions): {
  server: ServerTarget;
  credentials: ChannelCredentials;
  channelOptions: ChannelOptions;
} {
  const server = parseServerTarget(options.endpoint);
  if (options.insecure === true) {
    for (const host of server.hosts) checkPlaintextTarget(host);
    return { server, credentials: ChannelCredentials.createInsecure(), channelOptions: targetChannelOptions(server, false) };
  }
  if (options.caPem === undefined) throw badParameter("--ca", "a CA certificate (PEM) is needed for TLS");
  return {
    server,
    credentials: tlsCredentials(Buffer.from(options.caPem), server.hosts),
    channelOptions: targetChannelOptions(server, true),
  };
}

/** Throws BadParameter naming the flag when these options cannot make a connection (checked before any worker starts). */
export function checkConnectionOptions(options: ConnectionOptions): void {
  channelSecurity(options);
}

export function openConnection(options: ConnectionOptions): CryptoConnection {
  const { server, credentials, channelOptions } = channelSecurity(options);
  const Client = clientConstructor(CryptoService);
  const client = new Client(server.target, credentials, {
    ...channelOptions,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    // A load generator must not retry on its own (a retried call would count once) nor spend its CPU on
    // channelz bookkeeping: the client shares the machine with the server it measures.
    "grpc.enable_retries": 0,
    "grpc.enable_channelz": 0,
  }) as unknown as CryptoClient & Record<CryptoMethod, UnaryMethod>;
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const metadata = callerMetadata(options);

  return {
    callTimeoutMs,
    unary: (request) =>
      new Promise((resolve) => {
        client[request.case](request.value, metadata.clone(), { deadline: Date.now() + callTimeoutMs }, (error, response) => {
          if (error) resolve({ outcome: failedCall(error) });
          else resolve({ outcome: { ok: true }, response: { case: request.case, value: response } as CryptoResponse });
        });
      }),
    // A stream lives for the whole run; the deadline only bounds a wedged one.
    openStream: () => client.stream(metadata.clone(), { deadline: Date.now() + 24 * 3600 * 1000 }),
    close: () => client.close(),
  };
}

/** The gRPC status name (and the x-error-code trailer) of a failed call. */
export function failedCall(error: Pick<ServiceError, "code" | "metadata">): Extract<Outcome, { ok: false }> {
  const trailer = error.metadata?.get("x-error-code")[0];
  const code = statusName(error.code);
  return typeof trailer === "string" && trailer !== "" ? { ok: false, code, errorCode: trailer } : { ok: false, code };
}

export function statusName(code: number): string {
  return (status as unknown as Record<number, string | undefined>)[code] ?? `CODE_${code}`;
}
