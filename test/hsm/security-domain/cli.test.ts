/** The security-domain CLI's pure parts: certificates to a Download request, and offline verification of shares. */
import { describe, expect, it } from "vitest";
import { buildDownloadRequest, certificateJwk, privateKeyJwk, verifyShares } from "../../../src/cli/security-domain.js";
import { KeyholdError } from "../../../src/errors.js";
import { wrappingCertificates } from "../../../src/hsm/security-domain/certificates.js";
import { sealSecurityDomain } from "../../../src/hsm/security-domain/seal-shares.js";
import { plain } from "../../../src/transport/grpc/messages.js";
import { wrappingFixtures } from "./fixtures.js";

const HSM_ID = "0b3c5d7e-1a2b-4c3d-8e9f-a0b1c2d3e4f5";

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return error instanceof KeyholdError ? error.field : "other";
  }
  return "accepted";
}

describe("keyhold security-domain", () => {
  it("turns PEM certificates into a request the Download operation decodes", () => {
    const fixtures = wrappingFixtures(3);
    const request = buildDownloadRequest(
      fixtures.map((f, i) => ({ path: `cert${i + 1}.pem`, pem: f.certificatePem })),
      "2",
    );
    expect(request.required).toBe(2);
    // What the gRPC adapter hands the operation: the message as a plain object.
    const decoded = wrappingCertificates((plain(request) as { certificates: unknown }).certificates);
    expect(decoded.map((c) => c.publicKey.n)).toEqual(fixtures.map((f) => f.certificateJwk["n"]));
    expect(decoded.map((c) => c.certificateThumbprint)).toEqual(request.certificates.map((c) => c.x5tS256));
  });

  it("refuses a wrong number of certificates, a bad quorum and a file with no certificate", () => {
    const pems = wrappingFixtures(3).map((f, i) => ({ path: `cert${i}.pem`, pem: f.certificatePem }));
    expect(fieldOf(() => buildDownloadRequest(pems.slice(0, 2), "2"))).toBe("--sd-wrapping-keys");
    expect(fieldOf(() => buildDownloadRequest(pems, "4"))).toBe("--sd-quorum");
    expect(fieldOf(() => buildDownloadRequest(pems, "1"))).toBe("--sd-quorum");
    expect(fieldOf(() => certificateJwk("--sd-wrapping-keys", "key.pem", wrappingFixtures(1)[0]!.privateKeyPem))).toBe(
      "--sd-wrapping-keys",
    );
    expect(fieldOf(() => privateKeyJwk("--sd-wrapping-keys", "cert.pem", wrappingFixtures(1)[0]!.certificatePem))).toBe(
      "--sd-wrapping-keys",
    );
  });

  it("verify-shares reconstructs the fingerprint from a quorum of PEM private keys and refuses fewer", async () => {
    const fixtures = wrappingFixtures(4);
    const blob = await sealSecurityDomain({
      hsmId: HSM_ID,
      secret: new Uint8Array(32).fill(5),
      required: 2,
      certificates: wrappingCertificates(fixtures.map((f) => f.certificateJwk)),
    });
    const keys = (indices: number[]) => indices.map((i) => ({ path: `key${i + 1}.pem`, pem: fixtures[i]!.privateKeyPem }));
    const verified = await verifyShares(JSON.stringify(blob), keys([3, 1]));
    expect(verified).toEqual({ hsmId: HSM_ID, domainFingerprint: blob.domainFingerprint, required: 2, shares: 4, sharesUsed: [4, 2] });
    await expect(verifyShares(JSON.stringify(blob), keys([2]))).rejects.toMatchObject({
      code: "BadParameter",
      field: "--sd-wrapping-keys",
    });
  });
});
