/**
 * The small generic bridge from protobuf-es service descriptors to grpc-js:
 * one definition per service, used by the server and by clients alike, with
 * protobuf-es doing all (de)serialization.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { makeGenericClientConstructor } from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type MessageShape } from "@bufbuild/protobuf";

/** Messages over 4 MiB are refused (SPEC section 12). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** What the server's deserializer yields for bytes that are not a valid message of the method's type. */
export class UndecodableRequest {
  constructor(readonly typeName: string) {}
}

function methodDefinition(method: DescMethod, server: boolean): MethodDefinition<unknown, unknown> {
  const input = method.input as DescMessage;
  const output = method.output as DescMessage;
  return {
    path: methodPath(method),
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (value) => Buffer.from(toBinary(input, value as MessageShape<DescMessage>)),
    // grpc-js answers a throwing deserializer with INTERNAL; the server wants
    // INVALID_ARGUMENT naming the request, so it gets a marker instead.
    requestDeserialize: (bytes: Buffer) => {
      if (!server) return fromBinary(input, bytes);
      try {
        return fromBinary(input, bytes);
      } catch {
        return new UndecodableRequest(input.typeName);
      }
    },
    responseSerialize: (value) => Buffer.from(toBinary(output, value as MessageShape<DescMessage>)),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    originalName: method.localName,
  };
}

/** grpc-js ServiceDefinition keyed by the methods' local names (sign, createKey, ...). */
export function serviceDefinition(service: DescService, side: "client" | "server" = "client"): ServiceDefinition {
  return Object.fromEntries(
    service.methods.map((method) => [method.localName, methodDefinition(method, side === "server")]),
  ) as ServiceDefinition;
}

/** A grpc-js client class for `service`; its methods take and return protobuf-es messages. */
export function clientConstructor(service: DescService): ReturnType<typeof makeGenericClientConstructor> {
  return makeGenericClientConstructor(serviceDefinition(service), service.typeName);
}
