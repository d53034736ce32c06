import { describe, expect, it } from "vitest";
import { openConnection } from "../../src/load/connection.js";
import { isLoopbackHost, parseListenAddress } from "../../src/config/listen-address.js";
import { loadPlanFromOptions, parseDurationMs, type RawLoadOptions } from "../../src/load/options.js";
import { checkCryptoConnection } from "../../src/load/open-connection.js";

const BASE: RawLoadOptions = {
  op: "sign",
  alg: "PS256",
  key: "k",
  concurrency: "64",
  window: "32",
  workers: "2",
  duration: "30s",
  endpoint: "127.0.0.1:7443",
};

describe("keyhold load options", () => {
  it("turns the flags into a plan", () => {
    expect(loadPlanFromOptions({ ...BASE, rate: "2500", stream: true })).toEqual({
      plan: { op: "sign", alg: "PS256", key: { name: "k" }, stream: true, concurrency: 64, window: 32, rate: 2500, durationMs: 30_000 },
      workers: 2,
      protocol: "grpc",
    });
    expect(loadPlanFromOptions({ ...BASE, duration: undefined, count: "1000", keyVersion: "v2" }).plan).toMatchObject({
      count: 1000,
      key: { name: "k", version: "v2" },
    });
    expect(loadPlanFromOptions({ ...BASE, batch: "64" }).plan.batch).toBe(64);
    expect(loadPlanFromOptions({ ...BASE, batch: "1000" }).plan.batch).toBe(1000);
    expect(loadPlanFromOptions(BASE).plan.batch).toBeUndefined();
    expect(loadPlanFromOptions({ ...BASE, endpoint: "127.0.0.1:7001,127.0.0.1:7002" }).plan.op).toBe("sign");
  });

  it.each([
    [{ op: "hash" }, "--op"],
    [{ alg: "NOPE" }, "--alg"],
    [{ op: "encrypt", alg: "PS256" }, "--alg"],
    [{ key: " " }, "--key"],
    [{ concurrency: "0" }, "--concurrency"],
    [{ concurrency: "1.5" }, "--concurrency"],
    [{ rate: "-3" }, "--rate"],
    [{ workers: "x" }, "--workers"],
    [{ duration: "soon" }, "--duration"],
    [{ duration: undefined }, "--duration"],
    [{ count: "0", duration: undefined }, "--count"],
    [{ endpoint: "localhost" }, "--endpoint"],
    [{ endpoint: "127.0.0.1:7001,,127.0.0.1:7002" }, "--endpoint"],
    [{ batch: "0" }, "--batch"],
    [{ batch: "1001" }, "--batch"],
    [{ batch: "16x" }, "--batch"],
    [{ protocol: "soap" }, "--protocol"],
    [{ protocol: "rest", stream: true }, "--stream"],
    [{ protocol: "rest", batch: "16" }, "--batch"],
    [{ protocol: "rest", endpoint: "https://127.0.0.1:8001,127.0.0.1:8002" }, "--endpoint"],
    [{ protocol: "rest", endpoint: "dns:kh.example:8443" }, "--endpoint"],
    [{ protocol: "rest", endpoint: "https://127.0.0.1:8443/keys" }, "--endpoint"],
    [{ protocol: "rest", endpoint: "https://127.0.0.1" }, "--endpoint"],
  ] as [Partial<RawLoadOptions>, string][])("names the flag when %j is wrong", (change, flag) => {
    expect(() => loadPlanFromOptions({ ...BASE, ...change })).toThrow(expect.objectContaining({ code: "BadParameter", field: flag }));
  });

  it("reads durations", () => {
    expect(parseDurationMs("30s", "--duration")).toBe(30_000);
    expect(parseDurationMs("250ms", "--duration")).toBe(250);
    expect(parseDurationMs("2m", "--duration")).toBe(120_000);
    expect(parseDurationMs("5", "--duration")).toBe(5000);
  });

  it("allows plaintext only towards loopback and needs a CA otherwise", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
    expect(parseListenAddress("--endpoint", "[::1]:7443")).toEqual({ host: "::1", port: 7443 });
    expect(() => openConnection({ endpoint: "10.0.0.1:7443", insecure: true })).toThrow(expect.objectContaining({ field: "--insecure" }));
    expect(() => openConnection({ endpoint: "10.0.0.1:7443" })).toThrow(expect.objectContaining({ field: "--ca" }));
  });

  it("takes --protocol rest with the HTTPS listener's origin and the unary options", () => {
    const rest = { ...BASE, protocol: "rest", endpoint: "https://dev.managedhsm.keyhold.local:8443" };
    expect(loadPlanFromOptions(rest)).toEqual({
      plan: { op: "sign", alg: "PS256", key: { name: "k" }, stream: false, concurrency: 64, window: 32, durationMs: 30_000 },
      workers: 2,
      protocol: "rest",
    });
    expect(loadPlanFromOptions({ ...rest, endpoint: "127.0.0.1:8443", rate: "100" }).plan.rate).toBe(100);
  });

  it("over REST: TLS with a CA, plaintext HTTP only with --insecure towards loopback", () => {
    const rest = { protocol: "rest" as const, caPem: "-----BEGIN CERTIFICATE-----" };
    expect(() => checkCryptoConnection({ ...rest, endpoint: "https://127.0.0.1:8443" })).not.toThrow();
    expect(() => checkCryptoConnection({ ...rest, endpoint: "127.0.0.1:8443", insecure: true })).not.toThrow();
    expect(() => checkCryptoConnection({ ...rest, endpoint: "http://127.0.0.1:8443" })).toThrow(
      expect.objectContaining({ field: "--endpoint" }),
    );
    expect(() => checkCryptoConnection({ ...rest, endpoint: "https://127.0.0.1:8443", insecure: true })).toThrow(
      expect.objectContaining({ field: "--insecure" }),
    );
    expect(() => checkCryptoConnection({ ...rest, endpoint: "10.0.0.1:8443", insecure: true })).toThrow(
      expect.objectContaining({ field: "--insecure" }),
    );
    expect(() => checkCryptoConnection({ protocol: "rest", endpoint: "https://10.0.0.1:8443" })).toThrow(
      expect.objectContaining({ field: "--ca" }),
    );
  });
});
