/**
 * Wrapping key pairs for `keyhold security-domain make-keys`: an RSA key and a
 * self-signed X.509 certificate for it, as `openssl req -newkey rsa:2048 -x509`
 * makes them for the Azure CLI. The key comes from node:crypto (OpenSSL's prime
 * search is far faster than forge's pure JS), the certificate from node-forge,
 * as src/tls/certificates.ts does. The certificate only carries the public key
 * to the HSM; nothing trusts its issuer.
 */
import { generateKeyPair } from "node:crypto";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { certificateSerialNumber } from "../../tls/serial-number.js";

// node-forge is CommonJS whose typings declare no default export.
const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

export interface WrappingKeyPair {
  /** PEM "CERTIFICATE". */
  readonly certificatePem: string;
  /** PEM "RSA PRIVATE KEY" (PKCS #1); keep it offline. */
  readonly privateKeyPem: string;
}

const VALIDITY_DAYS = 365;

/** A self-signed certificate (SHA-256 with RSA) for the RSA private key `privateKeyPem` (PKCS #1 or #8). */
export function selfSignedCertificate(privateKeyPem: string, commonName: string, now: Date = new Date()): string {
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem) as import("node-forge").pki.rsa.PrivateKey;
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.rsa.setPublicKey(privateKey.n, privateKey.e);
  certificate.serialNumber = certificateSerialNumber();
  certificate.validity.notBefore = now;
  certificate.validity.notAfter = new Date(now.getTime() + VALIDITY_DAYS * 86_400_000);
  const name = [{ name: "commonName", value: commonName }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", keyEncipherment: true, dataEncipherment: true },
  ]);
  certificate.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** A new RSA key pair (e = 65537) and its certificate. */
export async function makeWrappingKeyPair(commonName: string, bits = 2048): Promise<WrappingKeyPair> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, certificatePem: selfSignedCertificate(privateKey, commonName) };
}
