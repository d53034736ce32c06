import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import { resolveClientOptions } from "../../src/cli/client-options.js";
import { parseServerTarget, serverIdentityCheck, targetChannelOptions } from "../../src/config/server-target.js";

const ROUND_ROBIN = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

/** What node:tls checkServerIdentity reads of a certificate. */
const certificateFor = (altNames: string): PeerCertificate =>
  ({ subject: { CN: "keyhold" }, subjectaltname: altNames }) as unknown as PeerCertificate;

describe("--endpoint with several nodes", () => {
  it("keeps one address as it was: no balancer", () => {
    expect(parseServerTarget("127.0.0.1:7443")).toEqual({ target: "127.0.0.1:7443", hosts: ["127.0.0.1"], balanced: false });
    expect(parseServerTarget("keyhold.example:7443")).toEqual({
      target: "keyhold.example:7443",
      hosts: ["keyhold.example"],
      balanced: false,
    });
  });

  it("turns a list of IP addresses into one ipv4: or ipv6: target, spaces ignored", () => {
    expect(parseServerTarget("127.0.0.1:7001, 127.0.0.2:7002")).toEqual({
      target: "ipv4:127.0.0.1:7001,127.0.0.2:7002",
      hosts: ["127.0.0.1", "127.0.0.2"],
      balanced: true,
    });
    expect(parseServerTarget("[::1]:7001,[::1]:7002")).toEqual({
      target: "ipv6:[::1]:7001,[::1]:7002",
      hosts: ["::1", "::1"],
      balanced: true,
    });
  });

  it("passes a dns: name through, balanced over every address it resolves to", () => {
    expect(parseServerTarget("dns:keyhold.internal:7443")).toEqual({
      target: "dns:keyhold.internal:7443",
      hosts: ["keyhold.internal"],
      balanced: true,
    });
    expect(parseServerTarget("dns:///localhost:7443").target).toBe("dns:localhost:7443");
  });

  it.each([
    ["127.0.0.1:7001,", "--endpoint: entry 2 of the list is empty"],
    ["127.0.0.1:7001,,127.0.0.1:7002", "--endpoint: entry 2 of the list is empty"],
    ["127.0.0.1:7001,127.0.0.1", "--endpoint: entry 2 (127.0.0.1) must be IP:PORT"],
    ["127.0.0.1:7001,127.0.0.1:0", "--endpoint: entry 2 (127.0.0.1:0) must be IP:PORT"],
    ["127.0.0.1:7001,127.0.0.1:7001", "--endpoint: lists 127.0.0.1:7001 twice"],
    ["127.0.0.1:7001,[::1]:7002", "--endpoint: a list takes IP addresses of one family"],
    ["node1.example:7443,node2.example:7443", "for a host name use dns:NAME:PORT"],
    ["dns:keyhold.internal", "--endpoint: must be HOST:PORT"],
    [Array.from({ length: 65 }, (_, i) => `127.0.0.1:${7000 + i}`).join(","), "--endpoint: lists 65 addresses; at most 64"],
  ])("refuses %s naming --endpoint", (text, message) => {
    expect(() => parseServerTarget(text)).toThrow(message);
  });

  it("asks grpc-js for round-robin on a list, and sends no IP as TLS server name", () => {
    expect(targetChannelOptions(parseServerTarget("127.0.0.1:7001,127.0.0.1:7002"), true)).toEqual({
      "grpc.service_config": ROUND_ROBIN,
      "grpc.service_config_disable_resolution": 1,
      "grpc.ssl_target_name_override": "localhost",
    });
    expect(targetChannelOptions(parseServerTarget("dns:keyhold.internal:7443"), true)).toEqual({
      "grpc.service_config": ROUND_ROBIN,
      "grpc.service_config_disable_resolution": 1,
    });
    expect(targetChannelOptions(parseServerTarget("127.0.0.1:7443"), false)).toEqual({});
  });

  it("accepts a certificate that names a listed host, whatever the SNI name, and refuses any other", () => {
    const check = serverIdentityCheck(["127.0.0.1", "127.0.0.2"]);
    expect(check("localhost", certificateFor("IP Address:127.0.0.2"))).toBeUndefined();
    expect(check("localhost", certificateFor("DNS:localhost"))).toBeInstanceOf(Error);
    expect(check("localhost", certificateFor("IP Address:10.9.9.9"))).toBeInstanceOf(Error);
    expect(serverIdentityCheck(["keyhold.internal"])("keyhold.internal", certificateFor("DNS:keyhold.internal"))).toBeUndefined();
  });

  it("refuses --insecure unless every listed node is a loopback address", () => {
    const flags = { output: "text", insecure: true };
    expect(resolveClientOptions({ ...flags, endpoint: "127.0.0.1:7001,127.0.0.2:7002" }, "/d").server.balanced).toBe(true);
    expect(() => resolveClientOptions({ ...flags, endpoint: "127.0.0.1:7001,10.0.0.1:7002" }, "/d")).toThrow(
      "--insecure: is allowed only to a loopback address, and 10.0.0.1 is not one",
    );
  });
});
