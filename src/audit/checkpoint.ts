/**
 * Checkpoints: a journal line signed by the node's P-256 key with ES256
 * (RFC 7518 section 3.4: ECDSA over SHA-256, signature r || s). The signed
 * bytes are the same canonical bytes whose SHA-256 is the line's hash, and they
 * include `prevHash`, so a valid checkpoint vouches for every line before it.
 */
import { createPublicKey, sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { ecJwkThumbprint } from "../crypto/thumbprint.js";
import { badParameter } from "../errors.js";
import { hashedBytes, sha256Hex } from "./record.js";
import type { CheckpointBody, CheckpointPublicKey, CheckpointRecord } from "./record.js";

/** Checks that `key` is a P-256 private key and returns its public half as a JWK. */
export function checkpointPublicKeyOf(key: KeyObject, field: string): CheckpointPublicKey {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw badParameter(field, "must be a P-256 (prime256v1) EC key for ES256 checkpoints");
  }
  const jwk = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" });
  if (typeof jwk.x !== "string" || typeof jwk.y !== "string") throw badParameter(field, "has no EC public point");
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
}

export function makeCheckpoint(
  seq: number,
  prevHash: string,
  signingKey: KeyObject,
  publicKey: CheckpointPublicKey,
  time: Date,
): CheckpointRecord {
  const checkpoint: CheckpointBody = {
    time: time.toISOString(),
    algorithm: "ES256",
    keyThumbprint: ecJwkThumbprint(publicKey),
    publicKey,
  };
  const bytes = hashedBytes(seq, prevHash, { checkpoint });
  const signature = sign("sha256", bytes, { key: signingKey, dsaEncoding: "ieee-p1363" }).toString("base64url");
  return { seq, prevHash, checkpoint, hash: sha256Hex(bytes), signature };
}

export type CheckpointCheck = { readonly ok: true } | { readonly ok: false; readonly untrustedKey: boolean; readonly reason: string };

/**
 * Verifies a checkpoint's signature with the key it names, and, when a trusted
 * key is given, that the named key is that key (otherwise anyone who rewrote
 * the file could re-sign it with a key of their own).
 */
export function verifyCheckpoint(record: CheckpointRecord, trustedKey?: CheckpointPublicKey): CheckpointCheck {
  const body = record.checkpoint;
  const key = body.publicKey as Partial<CheckpointPublicKey> | undefined;
  if (body.algorithm !== "ES256" || key?.kty !== "EC" || key.crv !== "P-256" || typeof key.x !== "string" || typeof key.y !== "string") {
    return { ok: false, untrustedKey: false, reason: "the checkpoint does not name an ES256 P-256 public key" };
  }
  const publicKey: CheckpointPublicKey = { kty: "EC", crv: "P-256", x: key.x, y: key.y };
  if (ecJwkThumbprint(publicKey) !== body.keyThumbprint) {
    return { ok: false, untrustedKey: false, reason: "the checkpoint's key thumbprint does not match its public key" };
  }
  if (trustedKey !== undefined && ecJwkThumbprint(trustedKey) !== body.keyThumbprint) {
    return { ok: false, untrustedKey: true, reason: `the checkpoint is signed by key ${body.keyThumbprint}, not by the trusted node key` };
  }
  let valid = false;
  try {
    const keyObject = createPublicKey({ key: { ...publicKey }, format: "jwk" });
    const bytes = hashedBytes(record.seq, record.prevHash, { checkpoint: body });
    valid = verify("sha256", bytes, { key: keyObject, dsaEncoding: "ieee-p1363" }, Buffer.from(record.signature, "base64url"));
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, untrustedKey: false, reason: "the checkpoint signature does not verify" };
}
