/**
 * Certificate serial numbers: positive and minimally encoded whatever the
 * random bytes are, so OpenSSL never refuses a certificate keyhold makes
 * (random bytes starting 00 00 used to give "illegal padding" and a server
 * that would not start).
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { certificateSerialNumber } from "../../src/tls/serial-number.js";
import { RSA_FIXTURES } from "../helpers/keys.js";

const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");
const signingKeyPem = createPrivateKey({ key: RSA_FIXTURES[2048] as never, format: "jwk" }).export({ type: "pkcs1", format: "pem" }).toString();

/** A certificate with the serial `serialHex`, parsed by node:crypto (OpenSSL); throws as OpenSSL refuses it. */
function parsedCertificate(serialHex: string): X509Certificate {
  const privateKey = forge.pki.privateKeyFromPem(signingKeyPem) as import("node-forge").pki.rsa.PrivateKey;
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.rsa.setPublicKey(privateKey.n, privateKey.e);
  certificate.serialNumber = serialHex;
  certificate.validity.notBefore = new Date(0);
  certificate.validity.notAfter = new Date(86_400_000);
  certificate.setSubject([{ name: "commonName", value: "serial test" }]);
  certificate.setIssuer([{ name: "commonName", value: "serial test" }]);
  certificate.sign(privateKey, forge.md.sha256.create());
  return new X509Certificate(forge.pki.certificateToPem(certificate));
}

describe("certificate serial numbers", () => {
  it("start with a byte in 0x40..0x7f (positive, no padding byte) and keep the other random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (random) => {
        const serial = Buffer.from(certificateSerialNumber(random), "hex");
        expect(serial).toHaveLength(16);
        expect(serial[0]).toBeGreaterThanOrEqual(0x40);
        expect(serial[0]).toBeLessThanOrEqual(0x7f);
        expect(serial.subarray(1)).toEqual(Buffer.from(random.subarray(1)));
      }),
    );
  });

  it("makes certificates OpenSSL accepts from the random bytes that used to break them", () => {
    // The cause: forge drops one leading zero byte, and a second one before a byte below 0x80 is a padded DER INTEGER.
    expect(() => parsedCertificate("0000" + "11".repeat(14))).toThrow(/illegal padding/);
    for (const first of [0x00, 0x7f, 0x80, 0xff]) {
      const random = new Uint8Array(16).fill(0x11);
      random[0] = first;
      random[1] = 0;
      const serial = certificateSerialNumber(random);
      expect(parsedCertificate(serial).serialNumber.toLowerCase()).toBe(serial);
    }
  });

  it("differs between calls", () => {
    expect(certificateSerialNumber()).not.toBe(certificateSerialNumber());
  });
});
