/** The security domain blob on its own: recovery by quorum, tampering refused by the GCM tag, strict parsing. */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../../src/crypto/bytes.js";
import { KeyholdError } from "../../../src/errors.js";
import { parseSecurityDomain, type EncryptedShare, type SecurityDomainBlob } from "../../../src/hsm/security-domain/blob.js";
import { wrappingCertificates } from "../../../src/hsm/security-domain/certificates.js";
import { openShare, recoverDomainSecret, shareFor } from "../../../src/hsm/security-domain/open-shares.js";
import { domainFingerprintOf, sealSecurityDomain } from "../../../src/hsm/security-domain/seal-shares.js";
import { combineShares } from "../../../src/hsm/security-domain/shamir.js";
import { fixtureJwk, refusal, wrappingFixtures, type WrappingFixture } from "./fixtures.js";

const HSM_ID = "2f0c1a4e-8b1d-4f7e-9a3c-5d6e7f8a9b0c";
let fixtures: WrappingFixture[];
let secret: Uint8Array;
let blob: SecurityDomainBlob;

/** The blob with one base64url member of share `index` changed in one bit of byte `at`. */
function flipped(
  source: SecurityDomainBlob,
  index: number,
  member: "encryptedKey" | "iv" | "ciphertext" | "tag",
  at = 0,
): SecurityDomainBlob {
  const shares = source.shares.map((share, i) => {
    if (i !== index) return share;
    const bytes = fromBase64Url(share[member], member);
    bytes[at] = bytes[at]! ^ 0x01;
    return { ...share, [member]: toBase64Url(bytes) };
  });
  return { ...source, shares };
}

beforeAll(async () => {
  fixtures = wrappingFixtures(5);
  secret = new Uint8Array(randomBytes(32));
  blob = await sealSecurityDomain({
    hsmId: HSM_ID,
    secret,
    required: 3,
    certificates: wrappingCertificates(fixtures.map((f) => f.certificateJwk)),
  });
});

describe("security domain blob", () => {
  it("round-trips through JSON and parses to the same blob", () => {
    expect(parseSecurityDomain(JSON.stringify(blob))).toEqual(blob);
    expect(blob.domainFingerprint).toBe(domainFingerprintOf(HSM_ID, secret));
  });

  it("recovers the secret from every 3 of the 5 private keys, in any order", async () => {
    const indices = [0, 1, 2, 3, 4];
    for (const a of indices) {
      for (const b of indices.filter((i) => i > a)) {
        for (const c of indices.filter((i) => i > b)) {
          const recovered = await recoverDomainSecret(
            blob,
            [fixtures[c]!, fixtures[a]!, fixtures[b]!].map((f) => f.privateJwk),
          );
          expect(recovered.secret).toEqual(secret);
          expect([...recovered.sharesUsed].sort()).toEqual([a + 1, b + 1, c + 1]);
        }
      }
    }
  });

  it("gives with fewer shares than the quorum a secret whose fingerprint does not match", async () => {
    const two = await Promise.all([0, 3].map((i) => openShare(blob, blob.shares[i]!, fixtures[i]!.privateJwk)));
    const wrong = combineShares(two, 2);
    expect(wrong).not.toEqual(secret);
    expect(domainFingerprintOf(HSM_ID, wrong)).not.toBe(blob.domainFingerprint);
    expect(
      await refusal(
        recoverDomainSecret(
          blob,
          [fixtures[0]!, fixtures[3]!].map((f) => f.privateJwk),
        ),
      ),
    ).toBe("BadParameter:private_keys");
  });

  it("refuses a changed byte in any encrypted part of a share with the one generic CryptoFailure", async () => {
    const keys = fixtures.slice(0, 3).map((f) => f.privateJwk);
    for (const member of ["ciphertext", "tag", "iv", "encryptedKey"] as const) {
      for (const at of [0, 5]) {
        const tampered = flipped(blob, 1, member, at);
        expect(await refusal(openShare(tampered, tampered.shares[1]!, keys[1]!)), `${member}[${at}]`).toBe("CryptoFailure");
        expect(await refusal(recoverDomainSecret(tampered, keys)), `${member}[${at}]`).toBe("CryptoFailure");
      }
    }
  });

  it("refuses shares moved to another position, HSM or quorum (the AAD binds them)", async () => {
    const keys = fixtures.slice(0, 3).map((f) => f.privateJwk);
    const swapX = (share: EncryptedShare, x: number) => ({ ...share, x });
    const cases: SecurityDomainBlob[] = [
      { ...blob, required: 2 },
      { ...blob, hsmId: "00000000-0000-0000-0000-000000000000" },
      { ...blob, shares: blob.shares.map((s, i) => (i === 0 ? swapX(s, 2) : i === 1 ? swapX(s, 1) : s)) },
    ];
    for (const changed of cases) expect(await refusal(openShare(changed, changed.shares[0]!, keys[0]!))).toBe("CryptoFailure");
  });

  it("refuses a private key that matches no certificate, and two keys for one share", async () => {
    const stranger = fixtureJwk("rsa-4096-2");
    expect(() => shareFor(blob, stranger)).toThrow(KeyholdError);
    expect(await refusal(recoverDomainSecret(blob, [fixtures[0]!.privateJwk, fixtures[1]!.privateJwk, stranger]))).toBe(
      "BadParameter:private_keys[2]",
    );
    expect(await refusal(recoverDomainSecret(blob, [fixtures[0]!.privateJwk, fixtures[1]!.privateJwk, fixtures[1]!.privateJwk]))).toBe(
      "BadParameter:private_keys[2]",
    );
  });

  it("parses strictly, naming the member", () => {
    const text = (changes: Record<string, unknown>) => JSON.stringify({ ...blob, ...changes });
    const field = (f: () => unknown) => {
      try {
        f();
        return "accepted";
      } catch (error) {
        return error instanceof KeyholdError ? error.field : "other";
      }
    };
    expect(field(() => parseSecurityDomain("{"))).toBe("security_domain");
    expect(field(() => parseSecurityDomain(text({ version: 2 })))).toBe("security_domain.version");
    expect(field(() => parseSecurityDomain(text({ required: 6 })))).toBe("security_domain.required");
    expect(field(() => parseSecurityDomain(text({ domainFingerprint: "AAAA" })))).toBe("security_domain.domainFingerprint");
    expect(field(() => parseSecurityDomain(text({ shares: [blob.shares[0], blob.shares[0], blob.shares[1]] })))).toBe(
      "security_domain.shares",
    );
    expect(field(() => parseSecurityDomain(text({ shares: [{ ...blob.shares[0], tag: "AA" }, ...blob.shares.slice(1)] })))).toBe(
      "security_domain.shares[0].tag",
    );
  });
});
