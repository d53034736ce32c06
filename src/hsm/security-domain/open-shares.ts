/**
 * The offline half of recovery: private keys of the wrapping certificates open
 * their shares of a blob, and a quorum of shares gives back the domain secret,
 * checked against the blob's fingerprint. `keyhold security-domain
 * verify-shares` runs this; the restore blob of issue 7 re-encrypts what
 * `openShare` returns to the new HSM's transfer key.
 */
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter, KeyholdError } from "../../errors.js";
import { shareAad, type EncryptedShare, type SecurityDomainBlob } from "./blob.js";
import { domainFingerprintOf } from "./seal-shares.js";
import { openShareEnvelope } from "./share-envelope.js";
import { combineShares, type Share } from "./shamir.js";
import { rsaKeyThumbprint } from "./thumbprints.js";

export interface RecoveredDomain {
  readonly hsmId: string;
  /** The 32-byte domain secret; the caller wipes it when done. */
  readonly secret: Uint8Array;
  readonly domainFingerprint: string;
  /** The x of each share used. */
  readonly sharesUsed: readonly number[];
}

/** The share of `blob` that `privateKey` (an RSA private JWK) opens; BadParameter when it matches none. */
export function shareFor(blob: SecurityDomainBlob, privateKey: JsonWebKey, field = "private_key"): EncryptedShare {
  if (privateKey.kty !== "RSA" || privateKey.n === undefined || privateKey.e === undefined)
    throw badParameter(field, "must be an RSA private key");
  const thumbprint = rsaKeyThumbprint(privateKey.n, privateKey.e, field);
  const share = blob.shares.find((s) => s.keyThumbprint === thumbprint);
  if (share === undefined) throw badParameter(field, "matches none of the certificates this security domain was encrypted to");
  return share;
}

/** Decrypts one share; a changed byte anywhere in it (or in what its AAD binds) is the generic CryptoFailure. */
export async function openShare(blob: SecurityDomainBlob, share: EncryptedShare, privateKey: JsonWebKey): Promise<Share> {
  return { x: share.x, y: await openShareEnvelope(share, privateKey, shareAad(blob, share), `shares[x=${share.x}]`) };
}

/**
 * The secret that `shares` reconstruct, checked against the fingerprint of the
 * domain `hsmId` they were cut from; CryptoFailure saying `mismatch` otherwise.
 */
export function combineCheckedShares(
  shares: readonly Share[],
  required: number,
  domain: { hsmId: string; domainFingerprint: string },
  mismatch: string,
): Uint8Array {
  const secret = combineShares(shares, required);
  if (domainFingerprintOf(domain.hsmId, secret) !== domain.domainFingerprint) {
    secret.fill(0);
    throw new KeyholdError("CryptoFailure", mismatch);
  }
  return secret;
}

/** Opens one share per private key and reconstructs the secret; needs `blob.required` different shares. */
export async function recoverDomainSecret(
  blob: SecurityDomainBlob,
  privateKeys: readonly JsonWebKey[],
  field = "private_keys",
): Promise<RecoveredDomain> {
  const chosen: EncryptedShare[] = [];
  const keys: JsonWebKey[] = [];
  privateKeys.forEach((key, index) => {
    const share = shareFor(blob, key, `${field}[${index}]`);
    if (chosen.includes(share)) throw badParameter(`${field}[${index}]`, "opens the same share as another key given");
    chosen.push(share);
    keys.push(key);
  });
  if (chosen.length < blob.required) {
    throw badParameter(field, `${chosen.length} key(s) given, but this security domain needs ${blob.required} to recover`);
  }
  const shares: Share[] = [];
  try {
    for (const [index, share] of chosen.entries()) shares.push(await openShare(blob, share, keys[index]!));
    const secret = combineCheckedShares(
      shares,
      blob.required,
      blob,
      "The shares do not reconstruct the domain this security domain names (its fingerprint differs).",
    );
    return { hsmId: blob.hsmId, secret, domainFingerprint: blob.domainFingerprint, sharesUsed: shares.map((s) => s.x) };
  } finally {
    for (const share of shares) share.y.fill(0);
  }
}
