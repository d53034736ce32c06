/**
 * The gRPC data plane: every RPC of RPC_BINDINGS is a thin adapter over one
 * operation of the table (decode the message, call the pipeline, encode the
 * result), plus the bidirectional CryptoService.Stream, health and
 * reflection. Authorization and audit happen only in the pipeline.
 */
import { create, isMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { asKeyholdError, ERROR_CLASSES, KeyholdError } from "../../errors.js";
import type { Pipeline, RequestMeta } from "../../pipeline/dispatch.js";
import type { AnyOperation } from "../../pipeline/operation.js";
import type { OperationTable } from "../../pipeline/operation-table.js";
import {
  CryptoService,
  DecryptBatchResponseSchema,
  DecryptResponseSchema,
  EncryptBatchResponseSchema,
  EncryptResponseSchema,
  SignBatchResponseSchema,
  SignResponseSchema,
  StreamResponseSchema,
  UnwrapKeyBatchResponseSchema,
  UnwrapKeyResponseSchema,
  VerifyBatchResponseSchema,
  VerifyResponseSchema,
  WrapKeyBatchResponseSchema,
  WrapKeyResponseSchema,
  type StreamRequest,
  type StreamResponse,
} from "../../gen/keyhold/v1/crypto_service_pb.js";
import { grpcStatusOf, toServiceError } from "./errors.js";
import { addHealth, addReflection } from "./reflection.js";
import type { ServingState } from "../../serving-state.js";
import { KEYHOLD_SERVICES, RPC_BINDINGS, type RpcBinding } from "./rpc-bindings.js";
import { MAX_MESSAGE_BYTES, methodPath, serviceDefinition, UndecodableRequest } from "./service-definition.js";

interface RpcObserver {
  observe(method: string, code: string, seconds: number): void;
}

export interface GrpcServerDeps {
  readonly pipeline: Pipeline;
  readonly operations: OperationTable;
  readonly metrics?: RpcObserver;
  /** Operations one Stream may have in flight before the server stops reading it (backpressure). */
  readonly streamWindow?: number;
  /** Drives grpc.health.v1.Health: NOT_SERVING while the node should not take calls. */
  readonly serving?: ServingState;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** grpc-js peers look like `127.0.0.1:5000`, `[::1]:5000` or `ipv4:...`; the address part is what network rules see. */
function peerAddress(peer: string): string {
  const text = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const lastColon = text.lastIndexOf(":");
  return lastColon > 0 && text.indexOf(":") === lastColon ? text.slice(0, lastColon) : text;
}

function requestMeta(call: { metadata: Metadata; getPeer(): string }, method: string, signal: CallCancellation): RequestMeta {
  return {
    transport: "grpc",
    method,
    authorization: first(call.metadata, "authorization"),
    hsmName: first(call.metadata, "x-hsm-name"),
    clientRequestId: first(call.metadata, "x-ms-client-request-id"),
    callerIp: peerAddress(call.getPeer()),
    signal,
  };
}

function operationOf(deps: GrpcServerDeps, binding: RpcBinding): AnyOperation {
  const operation = deps.operations.get(binding.operation);
  if (operation === undefined) throw new Error(`RPC ${methodPath(binding.method)} is bound to unknown operation ${binding.operation}`);
  return operation;
}

/** The gRPC status name of an error, as metrics label it. */
function statusName(error: unknown): string {
  return ERROR_CLASSES[asKeyholdError(error).code].grpc;
}

function undecodable(request: UndecodableRequest): KeyholdError {
  return new KeyholdError("BadParameter", `request: is not a valid ${request.typeName} message`, { field: "request" });
}

/** Runs one bound RPC through the pipeline and returns the response message. */
async function invoke(
  deps: GrpcServerDeps,
  binding: RpcBinding,
  operation: AnyOperation,
  request: unknown,
  meta: RequestMeta,
): Promise<Message> {
  if (request instanceof UndecodableRequest) throw undecodable(request);
  const result = await deps.pipeline.dispatch(operation, binding.fromWire(request), meta);
  return binding.toWire(result);
}

/** The methods the server handles itself rather than through one binding: each StreamRequest is one bound operation. */
export const OWN_HANDLERS: readonly DescMethod[] = Object.freeze([CryptoService.method.stream]);

/** CryptoService.Stream's result for the response of one of CryptoService's unary RPCs. */
function streamResult(response: Message): StreamResponse["result"] {
  if (isMessage(response, SignResponseSchema)) return { case: "sign", value: response };
  if (isMessage(response, VerifyResponseSchema)) return { case: "verify", value: response };
  if (isMessage(response, EncryptResponseSchema)) return { case: "encrypt", value: response };
  if (isMessage(response, DecryptResponseSchema)) return { case: "decrypt", value: response };
  if (isMessage(response, WrapKeyResponseSchema)) return { case: "wrapKey", value: response };
  if (isMessage(response, UnwrapKeyResponseSchema)) return { case: "unwrapKey", value: response };
  if (isMessage(response, SignBatchResponseSchema)) return { case: "signBatch", value: response };
  if (isMessage(response, VerifyBatchResponseSchema)) return { case: "verifyBatch", value: response };
  if (isMessage(response, WrapKeyBatchResponseSchema)) return { case: "wrapKeyBatch", value: response };
  if (isMessage(response, UnwrapKeyBatchResponseSchema)) return { case: "unwrapKeyBatch", value: response };
  if (isMessage(response, EncryptBatchResponseSchema)) return { case: "encryptBatch", value: response };
  if (isMessage(response, DecryptBatchResponseSchema)) return { case: "decryptBatch", value: response };
  throw new KeyholdError("InternalError", `${response.$typeName} is not a result of CryptoService.Stream`);
}

/**
 * A call's cancellation as the pipeline and the worker pool read it (`aborted`, asked when a queued task is about to
 * go to a worker): the call's own `cancelled` flag, which grpc-js sets when the client cancels (and after every status
 * it sends, when nothing asks any more). An AbortController and a "cancelled" listener per call cost the main thread
 * several microseconds per unary call; reading the flag costs nothing.
 */
class CallCancellation {
  readonly #call: { readonly cancelled: boolean };
  constructor(call: { readonly cancelled: boolean }) {
    this.#call = call;
  }
  get aborted(): boolean {
    return this.#call.cancelled;
  }
}

function unaryHandler(deps: GrpcServerDeps, binding: RpcBinding) {
  const operation = operationOf(deps, binding);
  const path = methodPath(binding.method);
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    const started = performance.now();
    const requestId = first(call.metadata, "x-ms-client-request-id");
    if (requestId !== undefined) {
      const echo = new Metadata();
      echo.set("x-ms-client-request-id", requestId);
      call.sendMetadata(echo);
    }
    invoke(deps, binding, operation, call.request, requestMeta(call, path, new CallCancellation(call))).then(
      (response) => {
        deps.metrics?.observe(path, "OK", (performance.now() - started) / 1000);
        callback(null, response);
      },
      (error: unknown) => {
        const serviceError = toServiceError(error);
        deps.metrics?.observe(path, statusName(error), (performance.now() - started) / 1000);
        callback(serviceError);
      },
    );
  };
}

/**
 * CryptoService.Stream: each StreamRequest is one audited operation of the
 * table; results are written as they finish, with the request's id and its
 * own status. Reading pauses while `window` operations are in flight.
 */
function streamHandler(deps: GrpcServerDeps) {
  const window = deps.streamWindow ?? 256;
  const byCase = new Map(
    RPC_BINDINGS.filter((b) => b.method.parent === CryptoService).map((b) => [
      b.method.localName,
      { binding: b, operation: operationOf(deps, b) },
    ]),
  );
  const path = `/${CryptoService.typeName}/Stream`;
  return (call: ServerDuplexStream<StreamRequest, unknown>): void => {
    // The stream's operations share its cancellation: nothing is added to it per operation (the worker pool asks it
    // when a task leaves its queue), so any number may be in flight.
    const cancellation = new CallCancellation(call);
    let inFlight = 0;
    let ended = false;
    const settle = (): void => {
      inFlight--;
      if (inFlight < window) call.resume();
      if (ended && inFlight === 0) call.end();
    };
    call.on("data", (request: StreamRequest | UndecodableRequest) => {
      const id = request instanceof UndecodableRequest ? "" : request.id;
      const kind = request instanceof UndecodableRequest ? undefined : request.operation.case;
      const target = kind === undefined ? undefined : byCase.get(kind);
      inFlight++;
      if (inFlight >= window) call.pause();
      const started = performance.now();
      const work =
        request instanceof UndecodableRequest
          ? Promise.reject(undecodable(request))
          : target === undefined
            ? Promise.reject(
                new KeyholdError(
                  "BadParameter",
                  "operation: one of sign, verify, encrypt, decrypt, wrap_key, unwrap_key, sign_batch, verify_batch, wrap_key_batch, unwrap_key_batch, encrypt_batch, decrypt_batch is required",
                  {
                    field: "operation",
                  },
                ),
              )
            : invoke(
                deps,
                target.binding,
                target.operation,
                request.operation.value,
                requestMeta(call, `${path}#${kind}`, cancellation),
              ).then(streamResult);
      work
        .then(
          (result) => {
            deps.metrics?.observe(`${path}#${kind}`, "OK", (performance.now() - started) / 1000);
            if (!cancellation.aborted) call.write(create(StreamResponseSchema, { id, code: 0, result }));
          },
          (error: unknown) => {
            const keyholdError = asKeyholdError(error);
            deps.metrics?.observe(`${path}#${kind ?? "invalid"}`, statusName(keyholdError), (performance.now() - started) / 1000);
            if (!cancellation.aborted) {
              call.write(
                create(StreamResponseSchema, {
                  id,
                  code: grpcStatusOf(keyholdError),
                  errorCode: keyholdError.code,
                  message: keyholdError.message,
                }),
              );
            }
          },
        )
        .finally(settle);
    });
    call.on("end", () => {
      ended = true;
      if (inFlight === 0) call.end();
    });
  };
}

export function buildGrpcServer(deps: GrpcServerDeps): Server {
  const server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    // channelz keeps per-call counters and traces for a debugging service keyhold does not serve; Prometheus
    // metrics cover the same ground.
    "grpc.enable_channelz": 0,
  });
  for (const service of KEYHOLD_SERVICES) {
    const implementation: UntypedServiceImplementation = {};
    for (const binding of RPC_BINDINGS.filter((b) => b.method.parent === service)) {
      if (implementation[binding.method.localName] !== undefined) throw new Error(`RPC ${methodPath(binding.method)} is bound twice`);
      implementation[binding.method.localName] = unaryHandler(deps, binding);
    }
    if (service === CryptoService) implementation[CryptoService.method.stream.localName] = streamHandler(deps);
    // A method without a handler would answer UNIMPLEMENTED at run time; refuse to start instead.
    const unbound = service.methods.filter((method) => implementation[method.localName] === undefined);
    if (unbound.length > 0) throw new Error(`RPCs without a handler: ${unbound.map(methodPath).join(", ")}`);
    server.addService(serviceDefinition(service, "server"), implementation);
  }
  addHealth(
    server,
    KEYHOLD_SERVICES.map((s) => s.typeName),
    deps.serving,
  );
  addReflection(server);
  return server;
}

/** Binds `host:port` (port 0 picks a free one) and resolves to the bound port. */
export function listen(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port))));
}

export function shutdown(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
