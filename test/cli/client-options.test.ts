import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { channelOptions, formatServiceError, requestMetadata, resolveClientOptions } from "../../src/cli/client-options.js";

const flags = { endpoint: "127.0.0.1:7443", output: "text" };

function serviceError(code: status, details: string, errorCode?: string): ServiceError {
  const metadata = new Metadata();
  if (errorCode !== undefined) metadata.set("x-error-code", errorCode);
  return Object.assign(new Error(details), { code, details, metadata });
}

describe("client options", () => {
  it("defaults the CA to <data-dir>/tls/ca.pem and takes an IPv6 endpoint", () => {
    expect(resolveClientOptions(flags, "/srv/keyhold")).toEqual({
      server: { target: "127.0.0.1:7443", hosts: ["127.0.0.1"], balanced: false },
      hsmName: undefined,
      token: undefined,
      caPath: "/srv/keyhold/tls/ca.pem",
      output: "text",
      insecure: false,
    });
    const v6 = resolveClientOptions(
      { ...flags, endpoint: "[::1]:7443", ca: "/etc/ca.pem", output: "json", hsmName: "dev", token: "t" },
      "/d",
    );
    expect(v6).toMatchObject({ server: { target: "[::1]:7443" }, caPath: "/etc/ca.pem", output: "json", hsmName: "dev", token: "t" });
    expect(resolveClientOptions({ ...flags, endpoint: "localhost:1", insecure: true }, "/d")).toMatchObject({
      caPath: undefined,
      insecure: true,
    });
  });

  it("names a bad endpoint, output or --insecure to a remote host", () => {
    expect(() => resolveClientOptions({ ...flags, endpoint: "7443" }, "/d")).toThrow(/^--endpoint: must be HOST:PORT/);
    expect(() => resolveClientOptions({ ...flags, endpoint: "127.0.0.1:0" }, "/d")).toThrow("--endpoint: needs the server's port");
    expect(() => resolveClientOptions({ ...flags, output: "yaml" }, "/d")).toThrow("--output: must be text or json");
    expect(() => resolveClientOptions({ ...flags, endpoint: "keyhold.example:7443", insecure: true }, "/d")).toThrow(
      "--insecure: is allowed only to a loopback address, and keyhold.example is not one",
    );
  });

  it("sets the SPEC section 3 metadata", () => {
    const options = resolveClientOptions({ ...flags, token: "abc.def.ghi", hsmName: "payments" }, "/d");
    const metadata = requestMetadata(options, "6f1c1f3e-0000-4000-8000-000000000001").getMap();
    expect(metadata).toEqual({
      authorization: "Bearer abc.def.ghi",
      "x-hsm-name": "payments",
      "x-ms-client-request-id": "6f1c1f3e-0000-4000-8000-000000000001",
    });
    const anonymous = requestMetadata(resolveClientOptions(flags, "/d")).getMap();
    expect(Object.keys(anonymous)).toEqual(["x-ms-client-request-id"]);
  });

  it("sends a DNS name as TLS server name for IP targets only, and none in plaintext", () => {
    expect(channelOptions(resolveClientOptions(flags, "/d"))).toEqual({ "grpc.ssl_target_name_override": "localhost" });
    expect(channelOptions(resolveClientOptions({ ...flags, endpoint: "keyhold.example:7443" }, "/d"))).toEqual({});
    expect(channelOptions(resolveClientOptions({ ...flags, insecure: true }, "/d"))).toEqual({});
  });

  it("formats errors as status name, x-error-code and message, with a hint when the cause is local", () => {
    expect(formatServiceError(serviceError(status.FAILED_PRECONDITION, "The key is disabled.", "OperationNotAllowed"))).toBe(
      "FAILED_PRECONDITION (OperationNotAllowed): The key is disabled.",
    );
    const options = resolveClientOptions(flags, "/d");
    expect(formatServiceError(serviceError(status.UNAUTHENTICATED, "No token.", "Unauthorized"), options)).toBe(
      "UNAUTHENTICATED (Unauthorized): No token. (no token given: pass --token or set KEYHOLD_TOKEN)",
    );
    expect(
      formatServiceError(
        serviceError(status.NOT_FOUND, "x-hsm-name is required: this server hosts more than one HSM (or none).", "HsmNotFound"),
        options,
      ),
    ).toBe(
      "NOT_FOUND (HsmNotFound): --hsm-name (or KEYHOLD_HSM) is required: the server hosts more than one HSM (or none); name the HSM to call.",
    );
    expect(formatServiceError(serviceError(status.UNAVAILABLE, "No connection established"), options)).toBe(
      "UNAVAILABLE: No connection established (is the server running at 127.0.0.1:7443?)",
    );
  });
});
