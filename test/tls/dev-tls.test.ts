import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDevTls, loadTls, type DevTls } from "../../src/tls/index.js";
import { KeyholdError } from "../../src/errors.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-tls-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Handshakes with the server at 127.0.0.1, checking its certificate against `host` (the SNI name); "ok" or the error code. */
function handshake(port: number, host: string, ca: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername: host, ...(ca === undefined ? {} : { ca }) }, () => {
      socket.end();
      resolve("ok");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function listen(tls: { certPem: string; keyPem: string }): Promise<Server> {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (socket) => socket.end("hello"));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("ensureDevTls", () => {
  let dataDir: string;
  let first: DevTls;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dataDir = tempDir();
    first = ensureDevTls({ dataDir, hosts: ["keyhold.test"] });
    server = await listen(first);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("serves a certificate that a client trusting the CA accepts for localhost, 127.0.0.1 and the given host", async () => {
    expect(await handshake(port, "localhost", first.caPem)).toBe("ok");
    expect(await handshake(port, "keyhold.test", first.caPem)).toBe("ok");
    const viaIp = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, ca: first.caPem }, () => {
        socket.end();
        resolve("ok");
      });
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(viaIp).toBe("ok");
    const cert = new X509Certificate(first.certPem);
    expect(cert.checkIP("::1")).toBe("::1");
  });

  it("is refused by a client that does not trust the CA, and for a host the certificate does not name", async () => {
    expect(await handshake(port, "localhost", undefined)).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/,
    );
    expect(await handshake(port, "other.test", first.caPem)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("writes the CA and server files, keys readable by the owner only", () => {
    expect(first.caPath).toBe(join(dataDir, "tls", "ca.pem"));
    for (const key of ["ca-key.pem", "server-key.pem"]) expect(statSync(join(dataDir, "tls", key)).mode & 0o777).toBe(0o600);
    const ca = new X509Certificate(first.caPem);
    expect(ca.ca).toBe(true);
    expect(new X509Certificate(first.certPem).checkIssued(ca)).toBe(true);
  });

  it("reuses the files on a second call with the same hosts", () => {
    const again = ensureDevTls({ dataDir, hosts: ["keyhold.test"] });
    expect(again).toEqual(first);
  });

  it("keeps the CA but makes a new server certificate when the hosts change or it is about to expire", () => {
    const dir = tempDir();
    const original = ensureDevTls({ dataDir: dir });
    const withHost = ensureDevTls({ dataDir: dir, hosts: ["api.keyhold.test"] });
    expect(withHost.caPem).toBe(original.caPem);
    expect(withHost.certPem).not.toBe(original.certPem);
    expect(new X509Certificate(withHost.certPem).checkHost("api.keyhold.test")).toBe("api.keyhold.test");

    const later = new Date(Date.now() + 396 * 24 * 3600 * 1000);
    const renewed = ensureDevTls({ dataDir: dir, hosts: ["api.keyhold.test"], now: later });
    expect(renewed.caPem).toBe(original.caPem);
    expect(renewed.certPem).not.toBe(withHost.certPem);
    expect(new Date(new X509Certificate(renewed.certPem).validTo).getTime()).toBeGreaterThan(later.getTime());
  });

  it("replaces a damaged server certificate", () => {
    const dir = tempDir();
    const original = ensureDevTls({ dataDir: dir });
    writeFileSync(join(dir, "tls", "server.pem"), "not a certificate");
    const repaired = ensureDevTls({ dataDir: dir });
    expect(repaired.caPem).toBe(original.caPem);
    expect(new X509Certificate(repaired.certPem).checkIssued(new X509Certificate(repaired.caPem))).toBe(true);
  });

  it("names a bad host", () => {
    expect(() => ensureDevTls({ dataDir: tempDir(), hosts: ["bad host!"] })).toThrow(
      "hosts[0]: must be a DNS name, a *.wildcard DNS name or an IP address",
    );
    expect(() => ensureDevTls({ dataDir: tempDir(), hosts: ["*.*.example"] })).toThrow("hosts[0]");
  });

  it("puts a wildcard name in the certificate (the Key Vault door's *.{dnsSuffix})", () => {
    const tls = ensureDevTls({ dataDir: tempDir(), hosts: ["*.managedhsm.keyhold.local"] });
    const certificate = new X509Certificate(tls.certPem);
    expect(certificate.checkHost("dev.managedhsm.keyhold.local")).toBe("*.managedhsm.keyhold.local");
    expect(certificate.checkHost("a.dev.managedhsm.keyhold.local")).toBeUndefined();
  });
});

describe("loadTls", () => {
  it("loads a matching certificate and key, and names the file that is wrong", () => {
    const dir = tempDir();
    ensureDevTls({ dataDir: dir });
    const tls = join(dir, "tls");
    const loaded = loadTls({ certFile: join(tls, "server.pem"), keyFile: join(tls, "server-key.pem"), caFile: join(tls, "ca.pem") });
    expect(loaded.caPath).toBe(join(tls, "ca.pem"));
    expect(loaded.certPem).toContain("BEGIN CERTIFICATE");

    const mismatch = () => loadTls({ certFile: join(tls, "server.pem"), keyFile: join(tls, "ca-key.pem") });
    expect(mismatch).toThrow(KeyholdError);
    expect(mismatch).toThrow(/^tls\.keyFile: the key in .* does not belong to the certificate/);
    expect(() => loadTls({ certFile: join(tls, "missing.pem"), keyFile: join(tls, "server-key.pem") })).toThrow(
      /^tls\.certFile: cannot read .*ENOENT/,
    );
    expect(() => loadTls({ certFile: join(tls, "server-key.pem"), keyFile: join(tls, "server-key.pem") })).toThrow(
      /^tls\.certFile: .* does not hold a PEM certificate/,
    );
  });
});
