/**
 * The development CA of `keyhold serve --dev` (SPEC section 2): a local CA and a
 * server certificate in `<dataDir>/tls/`, made once and reused, so clients can
 * trust `<dataDir>/tls/ca.pem` across restarts.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdirSync } from "node:fs";
import { isIP } from "node:net";
import { HOSTNAME } from "../config/listen-address.js";
import { badParameter } from "../errors.js";
import { canonicalHost, certificateHosts, createCaCertificate, createServerCertificate, type CertificateAndKey } from "./certificates.js";
import { readIfPresent, writeFileAtomically } from "../files.js";
import { devTlsPaths } from "./dev-tls-paths.js";

export interface DevTlsOptions {
  readonly dataDir: string;
  /** Extra names (`*.suffix` wildcards too) or addresses the server is reached by; localhost, 127.0.0.1 and ::1 are always included. */
  readonly hosts?: readonly string[];
  /** The clock; tests move it to see renewal. */
  readonly now?: Date;
}

export interface DevTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** `<dataDir>/tls/ca.pem`, which clients use by default. */
  readonly caPath: string;
}

const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** Renew a little before expiry so a long-running dev server does not start with a certificate about to lapse. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** Wildcard listen addresses name no host a client can dial, so they have no place in a certificate. */
const UNSPECIFIED = new Set(["0.0.0.0", "::"]);

function wantedHosts(hosts: readonly string[]): string[] {
  const wanted = new Set<string>();
  for (const [index, host] of [...LOOPBACK_HOSTS, ...hosts].entries()) {
    // A wildcard covers one label (RFC 6125 section 6.4.3): `*.managedhsm.keyhold.local` for every HSM's host name.
    const name = typeof host === "string" && host.startsWith("*.") ? host.slice(2) : host;
    if (typeof name !== "string" || (isIP(name) === 0 && !HOSTNAME.test(name))) {
      throw badParameter(`hosts[${index - LOOPBACK_HOSTS.length}]`, "must be a DNS name, a *.wildcard DNS name or an IP address");
    }
    const canonical = canonicalHost(host);
    if (!UNSPECIFIED.has(canonical)) wanted.add(canonical);
  }
  return [...wanted];
}

function readPair(certPath: string, keyPath: string): CertificateAndKey | undefined {
  const certPem = readIfPresent(certPath);
  const keyPem = readIfPresent(keyPath);
  return certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem };
}

/** Parses a pair and checks the key belongs to the certificate and it is valid until after the renewal margin. */
function parseUsable(pair: CertificateAndKey, now: Date): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(pair.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(pair.keyPem))) return undefined;
    const notAfter = new Date(cert.validTo).getTime();
    const notBefore = new Date(cert.validFrom).getTime();
    if (notBefore > now.getTime() || notAfter - RENEW_BEFORE_MS <= now.getTime()) return undefined;
    return cert;
  } catch {
    // A damaged file is replaced, as a missing one is: the CA only ever serves development.
    return undefined;
  }
}

function sameHosts(certPem: string, wanted: readonly string[]): boolean {
  const present = certificateHosts(certPem);
  return present.size === wanted.length && wanted.every((host) => present.has(host));
}

function writePair(certPath: string, keyPath: string, pair: CertificateAndKey): void {
  // Key first: a crash between the two leaves a certificate that does not match its key, which the next start replaces.
  writeFileAtomically(keyPath, pair.keyPem, 0o600);
  writeFileAtomically(certPath, pair.certPem, 0o644);
}

/**
 * Makes (first call) or reuses the development CA and server certificate. The
 * server certificate is made again when it is missing, damaged, not issued by
 * the CA, about to expire, or names other hosts than asked.
 */
export function ensureDevTls(options: DevTlsOptions): DevTls {
  const now = options.now ?? new Date();
  const hosts = wantedHosts(options.hosts ?? []);
  const paths = devTlsPaths(options.dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });

  let ca = readPair(paths.ca, paths.caKey);
  let caCert = ca === undefined ? undefined : parseUsable(ca, now);
  if (ca === undefined || caCert === undefined) {
    ca = createCaCertificate(now);
    caCert = new X509Certificate(ca.certPem);
    writePair(paths.ca, paths.caKey, ca);
  }

  let server = readPair(paths.server, paths.serverKey);
  const serverCert = server === undefined ? undefined : parseUsable(server, now);
  const reusable =
    server !== undefined &&
    serverCert !== undefined &&
    serverCert.checkIssued(caCert) &&
    serverCert.verify(caCert.publicKey) &&
    sameHosts(server.certPem, hosts);
  if (!reusable || server === undefined) {
    server = createServerCertificate(ca, hosts, now);
    writePair(paths.server, paths.serverKey, server);
  }
  return { caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem, caPath: paths.ca };
}
