/** Makes a security domain blob: the domain secret split and each share encrypted to one certificate (blob.ts). */
import { toBase64Url } from "../../crypto/bytes.js";
import { domainKeysFrom } from "../keys/domain.js";
import { SECURITY_DOMAIN_VERSION, shareAad, type BlobHeader, type EncryptedShare, type SecurityDomainBlob } from "./blob.js";
import type { WrappingCertificate } from "./certificates.js";
import { sealShareEnvelope } from "./share-envelope.js";
import { splitSecret } from "./shamir.js";

export interface SealSecurityDomainInput {
  readonly hsmId: string;
  readonly secret: Uint8Array;
  readonly required: number;
  readonly certificates: readonly WrappingCertificate[];
}

/** The fingerprint a blob records for `secret` (domain.ts's, base64url). */
export function domainFingerprintOf(hsmId: string, secret: Uint8Array): string {
  return toBase64Url(domainKeysFrom(hsmId, secret).fingerprint);
}

export async function sealSecurityDomain(input: SealSecurityDomainInput): Promise<SecurityDomainBlob> {
  const header: BlobHeader = {
    version: SECURITY_DOMAIN_VERSION,
    hsmId: input.hsmId,
    domainFingerprint: domainFingerprintOf(input.hsmId, input.secret),
    required: input.required,
  };
  const shares = splitSecret(input.secret, input.required, input.certificates.length);
  try {
    const encrypted: EncryptedShare[] = [];
    for (const [index, share] of shares.entries()) {
      const certificate = input.certificates[index]!;
      const names = { x: share.x, certificateThumbprint: certificate.certificateThumbprint, keyThumbprint: certificate.keyThumbprint };
      encrypted.push({ ...names, ...(await sealShareEnvelope(share.y, certificate.publicKey, shareAad(header, names))) });
    }
    return { ...header, shares: encrypted };
  } finally {
    for (const share of shares) share.y.fill(0);
  }
}
