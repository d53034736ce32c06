import { importJWK, type CryptoKey, type JWK } from "jose";
import { generatePrivateKey } from "../crypto/generate-private-key.js";
import { ecJwkThumbprint } from "../crypto/thumbprint.js";
import { KeyholdError } from "../errors.js";
import type { Store } from "../store/store.js";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface PublishedKey {
  readonly kid: string;
  readonly publicJwk: JWK;
}

/**
 * The issuer's ES256 key: made on first use and kept in the store, so the
 * server and the `keyhold token` tool of the same data dir sign with the same
 * key. The kid is the RFC 7638 thumbprint of the public key.
 */
export async function loadOrCreateSigningKey(store: Store): Promise<SigningKey> {
  const existing = await newestKey(store);
  if (existing !== undefined) return existing;
  // Not jose's generateKeyPair: WebCrypto's export of a freshly generated key is the same export of a
  // KeyObject that a key-generation job owns, which can hang the process (src/crypto/generate-private-key.ts).
  const privateJwk = (await generatePrivateKey({ type: "ec", namedCurve: "P-256" })).export({ format: "jwk" }) as JWK;
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  const kid = ecJwkThumbprint(publicJwk);
  await store.transaction(async (tx) => {
    // Another process may have won the race between our read and this transaction.
    if ((await tx.issuerKeys.list()).length > 0) return;
    await tx.issuerKeys.insert({
      kid,
      alg: "ES256",
      privateJwk: JSON.stringify(privateJwk),
      publicJwk: JSON.stringify(publicJwk),
      createdAt: Date.now(),
    });
  });
  const created = await newestKey(store);
  if (created === undefined) throw new KeyholdError("InternalError", "The token signing key could not be stored.");
  return created;
}

/** Every key the issuer has signed with, for the JWKS document and for verification. */
export async function publishedKeys(store: Store): Promise<PublishedKey[]> {
  return (await store.issuerKeys.list()).map((k) => ({
    kid: k.kid,
    publicJwk: { ...(JSON.parse(k.publicJwk) as JWK), kid: k.kid, use: "sig", alg: k.alg },
  }));
}

async function newestKey(store: Store): Promise<SigningKey | undefined> {
  const record = (await store.issuerKeys.list()).at(-1);
  if (record === undefined) return undefined;
  const privateKey = await importJWK(JSON.parse(record.privateJwk) as JWK, "ES256");
  if (privateKey instanceof Uint8Array) throw new KeyholdError("InternalError", "The stored token signing key is not an EC key.");
  return { kid: record.kid, privateKey, publicJwk: { ...(JSON.parse(record.publicJwk) as JWK), kid: record.kid } };
}
