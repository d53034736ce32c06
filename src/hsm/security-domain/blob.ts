/**
 * The security domain blob, as JSON (version 1):
 *
 *   { version, hsmId, domainFingerprint, required,
 *     shares: [{ x, certificateThumbprint, keyThumbprint, encryptedKey, iv, ciphertext, tag }] }
 *
 * Share x of the domain secret (shamir.ts) is encrypted with AES-256-GCM under
 * a fresh 256-bit key, itself encrypted with RSA-OAEP-256 (RFC 8017 section
 * 7.1, SHA-256 and MGF1-SHA-256) to one wrapping certificate's key. The GCM
 * additional data binds the share to the blob's version, HSM, quorum and
 * domain fingerprint and to its x and key names, so a share cannot be moved to
 * another position, blob or HSM, nor the quorum edited, without the tag failing.
 * `domainFingerprint` is the one of domain.ts: equal for the same secret and
 * revealing nothing of it; recovery checks the reconstructed secret against it.
 * Binary members are base64url (RFC 4648 section 5).
 */
import { GCM_IV_BYTES, GCM_TAG_BYTES } from "../../crypto/aes/gcm.js";
import { badParameter } from "../../errors.js";
import { FINGERPRINT_BYTES } from "../keys/domain.js";
import { fields } from "../../pipeline/decode.js";
import { base64UrlField, integerField, jsonObject, MAX_SHARE_BYTES, THUMBPRINT_BYTES } from "./blob-fields.js";
import { MAX_SHARES, MIN_QUORUM } from "./shamir.js";

export const SECURITY_DOMAIN_VERSION = 1;
/** RSA-OAEP ciphertexts are the modulus length: 256, 384 or 512 bytes. */
const RSA_CIPHERTEXT_BYTES: readonly number[] = [256, 384, 512];

export interface EncryptedShare {
  readonly x: number;
  readonly certificateThumbprint: string;
  readonly keyThumbprint: string;
  readonly encryptedKey: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export interface SecurityDomainBlob {
  readonly version: number;
  readonly hsmId: string;
  readonly domainFingerprint: string;
  readonly required: number;
  readonly shares: readonly EncryptedShare[];
}

export type BlobHeader = Pick<SecurityDomainBlob, "version" | "hsmId" | "domainFingerprint" | "required">;

/** The AES-GCM additional data of one share; a JSON array, so no two inputs encode alike. */
export function shareAad(header: BlobHeader, share: Pick<EncryptedShare, "x" | "certificateThumbprint" | "keyThumbprint">): Uint8Array {
  const parts = [
    "keyhold/security-domain-share",
    header.version,
    header.hsmId,
    header.required,
    header.domainFingerprint,
    share.x,
    share.certificateThumbprint,
    share.keyThumbprint,
  ];
  return new TextEncoder().encode(JSON.stringify(parts));
}

function encryptedShare(raw: unknown, field: string, count: number): EncryptedShare {
  const share = fields(raw, field);
  return {
    x: integerField(share, "x", field, 1, count),
    certificateThumbprint: base64UrlField(share, "certificateThumbprint", field, (n) => n === THUMBPRINT_BYTES),
    keyThumbprint: base64UrlField(share, "keyThumbprint", field, (n) => n === THUMBPRINT_BYTES),
    encryptedKey: base64UrlField(share, "encryptedKey", field, (n) => RSA_CIPHERTEXT_BYTES.includes(n)),
    iv: base64UrlField(share, "iv", field, (n) => n === GCM_IV_BYTES),
    ciphertext: base64UrlField(share, "ciphertext", field, (n) => n >= 1 && n <= MAX_SHARE_BYTES),
    tag: base64UrlField(share, "tag", field, (n) => n === GCM_TAG_BYTES),
  };
}

/** Reads and checks the shape of a blob (not its cryptography); `field` names it in errors. */
export function parseSecurityDomain(text: string, field = "security_domain"): SecurityDomainBlob {
  const blob = jsonObject(text, field);
  const version = blob["version"];
  if (version !== SECURITY_DOMAIN_VERSION)
    throw badParameter(
      `${field}.version`,
      `must be ${SECURITY_DOMAIN_VERSION}; this is not a keyhold security domain of a version this build reads`,
    );
  const hsmId = blob["hsmId"];
  if (typeof hsmId !== "string" || !/^[0-9A-Za-z-]{1,64}$/.test(hsmId)) throw badParameter(`${field}.hsmId`, "must be an HSM id");
  const domainFingerprint = base64UrlField(blob, "domainFingerprint", field, (n) => n === FINGERPRINT_BYTES);
  const rawShares = blob["shares"];
  if (!Array.isArray(rawShares) || rawShares.length < MIN_QUORUM || rawShares.length > MAX_SHARES) {
    throw badParameter(`${field}.shares`, `must hold ${MIN_QUORUM} to ${MAX_SHARES} shares`);
  }
  const required = integerField(blob, "required", field, MIN_QUORUM, rawShares.length);
  const shares = rawShares.map((share: unknown, index) => encryptedShare(share, `${field}.shares[${index}]`, rawShares.length));
  if (new Set(shares.map((s) => s.x)).size !== shares.length) throw badParameter(`${field}.shares`, "repeat an x");
  return { version, hsmId, domainFingerprint, required, shares };
}
