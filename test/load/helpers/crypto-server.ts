/**
 * An in-process CryptoService over insecure loopback for the load tests:
 * Sign and Stream (sign items) with the real crypto core, answers out of
 * order on the stream, NOT_FOUND + x-error-code for unknown keys, and
 * optional RPC metrics. Not the keyhold server: no auth, RBAC or audit.
 */
import { create } from "@bufbuild/protobuf";
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import { sign } from "../../../src/crypto/index.js";
import type { JsonWebKey } from "../../../src/crypto/jwk.js";
import {
  CryptoService,
  SignResponseSchema,
  StreamResponseSchema,
  type SignRequest,
  type SignResponse,
  type StreamRequest,
  type StreamResponse,
} from "../../../src/gen/keyhold/v1/crypto_service_pb.js";
import { serviceDefinition } from "../../../src/transport/grpc/service-definition.js";
import type { RpcMetrics } from "../../../src/metrics/metrics.js";

export interface TestCryptoServer {
  endpoint: string;
  /** Metadata of every call received, for asserting what the client sent. */
  seen: Metadata[];
  close(): Promise<void>;
}

class KeyNotFound extends Error {}

export const SILENT_KEY = "silent";

export interface TestServerOptions {
  metrics?: RpcMetrics;
  /** Delays each answer by up to this many ms at random, so Stream answers overtake each other. */
  jitterMs?: number;
}

export async function startTestCryptoServer(keys: Record<string, JsonWebKey>, options: TestServerOptions = {}): Promise<TestCryptoServer> {
  const { metrics, jitterMs = 0 } = options;
  const seen: Metadata[] = [];
  const signWith = async (request: SignRequest): Promise<SignResponse> => {
    const jwk = keys[request.name];
    if (jwk === undefined) throw new KeyNotFound();
    const signature = await sign(request.algorithm, jwk, request.digest);
    if (jitterMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * jitterMs));
    return create(SignResponseSchema, { kid: `https://test/keys/${request.name}/1`, signature });
  };
  const server = new Server();
  server.addService(serviceDefinition(CryptoService), {
    sign: (call: ServerUnaryCall<SignRequest, SignResponse>, callback: sendUnaryData<SignResponse>) => {
      seen.push(call.metadata);
      const started = performance.now();
      signWith(call.request).then(
        (response) => {
          metrics?.observe("Sign", "OK", (performance.now() - started) / 1000);
          callback(null, response);
        },
        (error: unknown) => {
          const trailers = new Metadata();
          trailers.set("x-error-code", error instanceof KeyNotFound ? "KeyNotFound" : "BadParameter");
          const code = error instanceof KeyNotFound ? status.NOT_FOUND : status.INVALID_ARGUMENT;
          metrics?.observe("Sign", status[code], (performance.now() - started) / 1000);
          callback({ code, details: "sign failed", metadata: trailers });
        },
      );
    },
    stream: (call: ServerDuplexStream<StreamRequest, StreamResponse>) => {
      seen.push(call.metadata);
      let inFlight = 0;
      let ended = false;
      const finishIfDone = (): void => {
        if (ended && inFlight === 0) call.end();
      };
      call.on("data", (request: StreamRequest) => {
        // A key that is never answered on the stream: a wedged server for the deadline test.
        if (request.operation.case === "sign" && request.operation.value.name === SILENT_KEY) return;
        if (request.operation.case !== "sign") {
          call.write(
            create(StreamResponseSchema, { id: request.id, code: status.UNIMPLEMENTED, errorCode: "BadParameter", message: "sign only" }),
          );
          return;
        }
        inFlight++;
        signWith(request.operation.value)
          .then(
            (value) => call.write(create(StreamResponseSchema, { id: request.id, result: { case: "sign", value } })),
            () =>
              call.write(
                create(StreamResponseSchema, { id: request.id, code: status.NOT_FOUND, errorCode: "KeyNotFound", message: "no such key" }),
              ),
          )
          .finally(() => {
            inFlight--;
            finishIfDone();
          });
      });
      call.on("end", () => {
        ended = true;
        finishIfDone();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
