/**
 * Every RPC of keyhold.v1 reaches the table: the generated file descriptors are walked, so a method added to a
 * .proto without its binding fails here (and the server refuses to start) instead of answering UNIMPLEMENTED.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { file_keyhold_v1_access_control_service } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { file_keyhold_v1_backup_service } from "../../src/gen/keyhold/v1/backup_service_pb.js";
import {
  CryptoService,
  file_keyhold_v1_crypto_service,
  StreamRequestSchema,
  StreamResponseSchema,
} from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { file_keyhold_v1_key_service } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { file_keyhold_v1_keys } from "../../src/gen/keyhold/v1/keys_pb.js";
import { file_keyhold_v1_security_domain_service } from "../../src/gen/keyhold/v1/security_domain_service_pb.js";
import { KEYHOLD_SERVICES, RPC_BINDINGS } from "../../src/transport/grpc/rpc-bindings.js";
import { buildGrpcServer, OWN_HANDLERS } from "../../src/transport/grpc/server.js";
import { securityCore, type SecurityCore } from "../hsm/helpers.js";

const FILES = [
  file_keyhold_v1_key_service,
  file_keyhold_v1_crypto_service,
  file_keyhold_v1_access_control_service,
  file_keyhold_v1_backup_service,
  file_keyhold_v1_security_domain_service,
  file_keyhold_v1_keys,
];
const SERVICES = FILES.flatMap((file) => file.services);
const METHODS = SERVICES.flatMap((service) => service.methods);
const path = (method: DescMethod): string => `${method.parent.typeName}/${method.name}`;
const bindingsOf = (method: DescMethod) => RPC_BINDINGS.filter((binding) => binding.method === method);

let core: SecurityCore | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

describe("gRPC bindings", () => {
  it("the server mounts every service of keyhold.v1", () => {
    expect(SERVICES.map((s) => s.typeName).sort()).toEqual([
      "keyhold.v1.AccessControlService",
      "keyhold.v1.BackupService",
      "keyhold.v1.CryptoService",
      "keyhold.v1.KeyService",
      "keyhold.v1.SecurityDomainService",
    ]);
    expect(KEYHOLD_SERVICES.map((s) => s.typeName).sort()).toEqual(SERVICES.map((s) => s.typeName).sort());
  });

  it("binds every method of every service exactly once, except CryptoService.Stream, which the server handles itself", () => {
    expect(METHODS.filter((m) => !OWN_HANDLERS.includes(m) && bindingsOf(m).length !== 1).map(path)).toEqual([]);
    expect(OWN_HANDLERS.map(path)).toEqual(["keyhold.v1.CryptoService/Stream"]);
    expect(OWN_HANDLERS.map((m) => bindingsOf(m).length)).toEqual([0]);
    expect(CryptoService.method.stream.methodKind).toBe("bidi_streaming");
    // Nothing is bound but methods of these files, and only unary ones.
    expect(RPC_BINDINGS.filter((b) => !METHODS.includes(b.method)).map((b) => path(b.method))).toEqual([]);
    expect(RPC_BINDINGS.filter((b) => b.method.methodKind !== "unary").map((b) => path(b.method))).toEqual([]);
    expect(RPC_BINDINGS).toHaveLength(METHODS.length - OWN_HANDLERS.length);
  });

  it("offers every unary CryptoService RPC, and only those, as a case of Stream's request and response", () => {
    const unary = CryptoService.methods
      .filter((m) => m.methodKind === "unary")
      .map((m) => m.localName)
      .sort();
    expect(StreamRequestSchema.oneofs[0]!.fields.map((f) => f.localName).sort()).toEqual(unary);
    expect(
      StreamResponseSchema.oneofs
        .find((o) => o.localName === "result")!
        .fields.map((f) => f.localName)
        .sort(),
    ).toEqual(unary);
  });

  it("names an operation of the production table in every binding, and the server builds with a handler for every method", async () => {
    core = await securityCore();
    const table = core.table;
    expect(RPC_BINDINGS.map((b) => b.operation).filter((name) => !table.has(name))).toEqual([]);
    expect(new Set(RPC_BINDINGS.map((b) => b.operation)).size).toBe(RPC_BINDINGS.length);
    // gRPC is the data plane's door: every bound operation is one of an HSM's.
    expect(RPC_BINDINGS.filter((b) => table.get(b.operation)!.plane !== "data").map((b) => b.operation)).toEqual([]);
    const server = buildGrpcServer({ pipeline: core.pipeline, operations: table });
    server.forceShutdown();
  });
});
