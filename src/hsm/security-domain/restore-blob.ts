/**
 * The restore blob: what `keyhold security-domain restore-blob` makes offline
 * and Upload takes. JSON (version 1):
 *
 *   { format: "keyhold-security-domain-restore", version, sourceHsmId, domainFingerprint, required,
 *     transferKeyThumbprint, shares: [{ x, encryptedKey, iv, ciphertext, tag }] }
 *
 * It carries SHARES, not the reconstructed secret, as SPEC section 8 says.
 * The administrator's machine does hold a quorum of shares in memory while it
 * re-encrypts them (as much as the secret), but it never combines them: no
 * single buffer there is the secret, each share is wiped right after it is
 * re-encrypted, and the combination and the check against the domain
 * fingerprint happen inside the HSM that takes the domain.
 *
 * Each share is re-encrypted as the download encrypted it (share-envelope.ts): AES-256-GCM
 * under a fresh key, that key under RSA-OAEP-256 (RFC 8017 section 7.1) to the
 * transfer key. The GCM additional data binds it to every header member, so
 * the blob opens only with the transfer key it names (its RFC 7638 thumbprint)
 * and only for the domain it names; no member can change without a tag failing.
 * Binary members must be canonical base64url, so no character can change either.
 */
import { GCM_IV_BYTES, GCM_TAG_BYTES } from "../../crypto/aes/gcm.js";
import { fromBase64Url } from "../../crypto/bytes.js";
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import { FINGERPRINT_BYTES } from "../keys/domain.js";
import type { SecurityDomainBlob } from "./blob.js";
import { openShare, shareFor } from "./open-shares.js";
import { MAX_SHARES, MIN_QUORUM, type Share } from "./shamir.js";
import { openShareEnvelope, sealShareEnvelope, type ShareEnvelope } from "./share-envelope.js";
import { rsaKeyThumbprint } from "./thumbprints.js";
import { base64UrlField, integerField, jsonObject, MAX_SHARE_BYTES, THUMBPRINT_BYTES } from "./blob-fields.js";

const RESTORE_BLOB_FORMAT = "keyhold-security-domain-restore";
const RESTORE_BLOB_VERSION = 1;
/** The transfer key is RSA-3072: its OAEP ciphertexts are 384 bytes. */
const TRANSFER_CIPHERTEXT_BYTES = 384;

interface RestoreShare extends ShareEnvelope {
  readonly x: number;
}

export interface RestoreBlob {
  readonly format: typeof RESTORE_BLOB_FORMAT;
  readonly version: number;
  readonly sourceHsmId: string;
  readonly domainFingerprint: string;
  readonly required: number;
  readonly transferKeyThumbprint: string;
  readonly shares: readonly RestoreShare[];
}

type RestoreHeader = Omit<RestoreBlob, "shares">;

/** The one message of every share that does not open: which step failed is not said (no oracle, RFC 8017 section 7.1.2 note). */
const SHARE_DOES_NOT_OPEN =
  "A share of the restore blob does not open with this HSM's transfer key: the blob was changed, or made for another transfer key.";

function shareAad(header: RestoreHeader, x: number): Uint8Array {
  const parts = [
    header.format,
    header.version,
    header.sourceHsmId,
    header.required,
    header.domainFingerprint,
    header.transferKeyThumbprint,
    x,
  ];
  return new TextEncoder().encode(JSON.stringify(parts));
}

export interface MakeRestoreBlobInput {
  readonly securityDomain: SecurityDomainBlob;
  /** One RSA private key per share to open; exactly the quorum is used, in the order given. */
  readonly privateKeys: readonly JsonWebKey[];
  /** The transfer key's public JWK, as GetTransferKey returned it. */
  readonly transferKey: JsonWebKey;
  /** Names the keys in errors, e.g. the file each came from. */
  readonly keyNames?: readonly string[];
}

/** The RSA public transfer key from GetTransferKey's JWK; `field` names it in errors. */
function transferKeyFrom(raw: unknown, field: string): { publicKey: JsonWebKey; thumbprint: string } {
  const jwk = fields(raw, field);
  if (jwk["kty"] !== "RSA") throw badParameter(`${field}.kty`, "must be RSA");
  const n = fromBase64Url(jwk["n"], `${field}.n`);
  if (n.length !== 384) throw badParameter(`${field}.n`, "must be an RSA-3072 modulus");
  const e = jwk["e"] as string;
  fromBase64Url(e, `${field}.e`);
  const nText = jwk["n"] as string;
  return { publicKey: { kty: "RSA", n: nText, e }, thumbprint: rsaKeyThumbprint(nText, e, field) };
}

/** Opens `required` shares with the private keys and re-encrypts each to the transfer key (offline). */
export async function makeRestoreBlob(input: MakeRestoreBlobInput): Promise<RestoreBlob> {
  const { securityDomain: blob } = input;
  const name = (index: number) => input.keyNames?.[index] ?? `private_keys[${index}]`;
  const transfer = transferKeyFrom(input.transferKey, "transfer_key");
  const chosen = input.privateKeys.map((key, index) => ({ key, share: shareFor(blob, key, name(index)), index }));
  chosen.forEach(({ share, index }) => {
    const first = chosen.findIndex((other) => other.share === share);
    if (first !== index) throw badParameter(name(index), `opens the same share as ${name(first)}; give keys of different shares`);
  });
  if (chosen.length < blob.required) {
    throw badParameter("private_keys", `${chosen.length} key(s) given, but this security domain needs ${blob.required} to recover`);
  }
  const header: RestoreHeader = {
    format: RESTORE_BLOB_FORMAT,
    version: RESTORE_BLOB_VERSION,
    sourceHsmId: blob.hsmId,
    domainFingerprint: blob.domainFingerprint,
    required: blob.required,
    transferKeyThumbprint: transfer.thumbprint,
  };
  const shares: RestoreShare[] = [];
  for (const { key, share } of chosen.slice(0, blob.required)) {
    const opened = await openShare(blob, share, key);
    try {
      shares.push({ x: opened.x, ...(await sealShareEnvelope(opened.y, transfer.publicKey, shareAad(header, opened.x))) });
    } finally {
      opened.y.fill(0);
    }
  }
  return { ...header, shares };
}

function restoreShare(raw: unknown, field: string): RestoreShare {
  const share = fields(raw, field);
  return {
    x: integerField(share, "x", field, 1, MAX_SHARES),
    encryptedKey: base64UrlField(share, "encryptedKey", field, (n) => n === TRANSFER_CIPHERTEXT_BYTES, { canonical: true }),
    iv: base64UrlField(share, "iv", field, (n) => n === GCM_IV_BYTES, { canonical: true }),
    ciphertext: base64UrlField(share, "ciphertext", field, (n) => n >= 1 && n <= MAX_SHARE_BYTES, { canonical: true }),
    tag: base64UrlField(share, "tag", field, (n) => n === GCM_TAG_BYTES, { canonical: true }),
  };
}

/** Reads and checks the shape of a restore blob (not its cryptography); at least `required` different shares. */
export function parseRestoreBlob(text: string, field = "security_domain"): RestoreBlob {
  const blob = jsonObject(text, field);
  if (blob["format"] !== RESTORE_BLOB_FORMAT) {
    throw badParameter(
      `${field}.format`,
      `must be "${RESTORE_BLOB_FORMAT}": upload the output of 'keyhold security-domain restore-blob', not the downloaded security domain`,
    );
  }
  if (blob["version"] !== RESTORE_BLOB_VERSION) throw badParameter(`${field}.version`, `must be ${RESTORE_BLOB_VERSION}`);
  const sourceHsmId = blob["sourceHsmId"];
  if (typeof sourceHsmId !== "string" || !/^[0-9A-Za-z-]{1,64}$/.test(sourceHsmId))
    throw badParameter(`${field}.sourceHsmId`, "must be an HSM id");
  const domainFingerprint = base64UrlField(blob, "domainFingerprint", field, (n) => n === FINGERPRINT_BYTES, { canonical: true });
  const transferKeyThumbprint = base64UrlField(blob, "transferKeyThumbprint", field, (n) => n === THUMBPRINT_BYTES, { canonical: true });
  const required = integerField(blob, "required", field, MIN_QUORUM, MAX_SHARES);
  const rawShares = blob["shares"];
  if (!Array.isArray(rawShares) || rawShares.length > MAX_SHARES)
    throw badParameter(`${field}.shares`, `must be a list of at most ${MAX_SHARES} shares`);
  const shares = rawShares.map((share: unknown, index) => restoreShare(share, `${field}.shares[${index}]`));
  if (new Set(shares.map((s) => s.x)).size !== shares.length) throw badParameter(`${field}.shares`, "repeat an x");
  if (shares.length < required)
    throw badParameter(`${field}.shares`, `hold ${shares.length} share(s), but this security domain needs ${required} to recover`);
  return {
    format: RESTORE_BLOB_FORMAT,
    version: RESTORE_BLOB_VERSION,
    sourceHsmId,
    domainFingerprint,
    required,
    transferKeyThumbprint,
    shares,
  };
}

/** Decrypts every share with the transfer private key; any failure is the one fixed CryptoFailure message. */
export async function openRestoreShares(blob: RestoreBlob, transferPrivateKey: JsonWebKey): Promise<Share[]> {
  const shares: Share[] = [];
  try {
    for (const share of blob.shares) {
      try {
        shares.push({ x: share.x, y: await openShareEnvelope(share, transferPrivateKey, shareAad(blob, share.x), "share") });
      } catch {
        throw new KeyholdError("CryptoFailure", SHARE_DOES_NOT_OPEN);
      }
    }
    return shares;
  } catch (error) {
    for (const share of shares) share.y.fill(0);
    throw error;
  }
}
