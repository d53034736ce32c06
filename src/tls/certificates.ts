/**
 * X.509 certificates of the development CA, built and signed with node-forge.
 * Key pairs come from node:crypto (OpenSSL is far faster than forge's pure-JS
 * prime search); forge signs with RSA only, hence RSA-2048 for both keys.
 */
import { createRequire } from "node:module";
import { generateKeyPairSync } from "node:crypto";
import { isIP } from "node:net";
import { certificateSerialNumber } from "./serial-number.js";

// node-forge is CommonJS whose typings declare no default export.
const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");
/** forge.util's IP helpers, which its typings leave out. */
const forgeIp = forge.util as unknown as { bytesFromIP(ip: string): string | null; bytesToIP(bytes: string): string | null };

export interface CertificateAndKey {
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 24 * 3600 * 1000;
const CA_LIFETIME_DAYS = 3650;
/** 397 days: the longest server certificate lifetime browsers accept (CA/Browser Forum BR 6.3.2). */
const SERVER_LIFETIME_DAYS = 397;
/** Back-dating tolerates clocks of clients that run a little behind. */
const BACKDATE_MS = 3600 * 1000;

function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

function validity(cert: import("node-forge").pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

/** The canonical text of a host, so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
export function canonicalHost(host: string): string {
  if (isIP(host) !== 0) return forgeIp.bytesToIP(forgeIp.bytesFromIP(host) ?? "") ?? host;
  return host.toLowerCase();
}

function subjectAltNames(hosts: readonly string[]): Array<{ type: number; value?: string; ip?: string }> {
  // GeneralName choices (RFC 5280 section 4.2.1.6): dNSName [2], iPAddress [7].
  return hosts.map((host) => (isIP(host) !== 0 ? { type: 7, ip: host } : { type: 2, value: host }));
}

export function createCaCertificate(now: Date = new Date()): CertificateAndKey {
  const { publicKeyPem, privateKeyPem } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = certificateSerialNumber();
  validity(cert, now, CA_LIFETIME_DAYS);
  const name = [
    { name: "commonName", value: "keyhold development CA" },
    { name: "organizationName", value: "keyhold (development only)" },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKeyPem };
}

export function createServerCertificate(ca: CertificateAndKey, hosts: readonly string[], now: Date = new Date()): CertificateAndKey {
  const { publicKeyPem, privateKeyPem } = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = certificateSerialNumber();
  validity(cert, now, SERVER_LIFETIME_DAYS);
  cert.setSubject([{ name: "commonName", value: hosts[0] ?? "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: subjectAltNames(hosts) },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKeyPem };
}

/** The canonical hosts a certificate's subjectAltName names. */
export function certificateHosts(certPem: string): Set<string> {
  const cert = forge.pki.certificateFromPem(certPem);
  const extension = cert.getExtension("subjectAltName") as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  const hosts = new Set<string>();
  for (const altName of extension?.altNames ?? []) {
    if (altName.type === 7 && altName.ip !== undefined) hosts.add(canonicalHost(altName.ip));
    else if (altName.type === 2 && altName.value !== undefined) hosts.add(altName.value.toLowerCase());
  }
  return hosts;
}
