/**
 * Certificate serial numbers: positive and minimally encoded whatever the
 * random bytes are, so OpenSSL never refuses a certificate keyhold makes
 * (random bytes starting 00 00 used to give "illegal padding" and a server
 * that would not start).
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createRequire } from "node:module";
import { createSecureContext } from "node:tls";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { selfSignedCertificate } from "../../src/hsm/security-domain/wrapping-keys.js";
import { createCaCertificate, createServerCertificate } from "../../src/tls/certificates.js";
import { certificateSerialNumber } from "../../src/tls/serial-number.js";
import { RSA_FIXTURES } from "../helpers/keys.js";

/** The random bytes that used to break a certificate: 00 00 and then bytes below 0x80. */
const PADDING_BYTES = Buffer.from("0000" + "11".repeat(14), "hex");

/** While `bytes` is set, every 16-byte randomBytes call (a serial number's) returns them; other calls stay random. */
const serialRandom = vi.hoisted(() => ({ bytes: undefined as Uint8Array | undefined }));
vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  const randomBytes = (size: number, ...rest: unknown[]): unknown =>
    serialRandom.bytes !== undefined && size === 16 && rest.length === 0
      ? Buffer.from(serialRandom.bytes)
      : (original.randomBytes as (size: number, ...rest: unknown[]) => unknown)(size, ...rest);
  return { ...original, randomBytes };
});

const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");
const wrappingKeyPem = createPrivateKey({ key: RSA_FIXTURES[2048] as never, format: "jwk" })
  .export({ type: "pkcs1", format: "pem" })
  .toString();

afterEach(() => {
  serialRandom.bytes = undefined;
});

/** The certificate parsed by node:crypto (OpenSSL), which throws as OpenSSL refuses it. */
function parsed(certPem: string): X509Certificate {
  return new X509Certificate(certPem);
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

  it("make the CA, server and wrapping-key certificates OpenSSL accepts from the random bytes that used to break them", () => {
    serialRandom.bytes = PADDING_BYTES;
    const expected = certificateSerialNumber(PADDING_BYTES);
    const ca = createCaCertificate();
    const server = createServerCertificate(ca, ["localhost", "127.0.0.1"]);
    const wrapping = selfSignedCertificate(wrappingKeyPem, "serial test");
    for (const certPem of [ca.certPem, server.certPem, wrapping]) {
      expect(parsed(certPem).serialNumber.toLowerCase()).toBe(expected);
    }
    expect(() => createSecureContext({ cert: ca.certPem, key: ca.keyPem })).not.toThrow();
    expect(() => createSecureContext({ cert: server.certPem, key: server.keyPem, ca: ca.certPem })).not.toThrow();
    expect(() => createSecureContext({ cert: wrapping, key: wrappingKeyPem })).not.toThrow();

    // The cause: forge drops one leading zero byte, and a second one before a byte below 0x80 is a padded DER INTEGER.
    const padded = forge.pki.certificateFromPem(ca.certPem);
    padded.serialNumber = PADDING_BYTES.toString("hex");
    padded.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
    expect(() => parsed(forge.pki.certificateToPem(padded))).toThrow(/illegal padding/);
  });

  it("differs between calls", () => {
    expect(certificateSerialNumber()).not.toBe(certificateSerialNumber());
  });
});
