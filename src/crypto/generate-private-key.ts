/**
 * New key pairs from node:crypto, as KeyObjects that no key-generation job owns.
 *
 * On Node 20.20.2 a process hung for good in `privateKey.export({ format: "jwk" })` on a key that
 * `generateKeyPair[Sync]` had returned: the export holds the key's mutex, allocates (EncodeBignum), the
 * allocation runs a garbage collection, that collection destroys the finished KeyGenJob, and
 * `~KeyGenJob<RsaKeyGenTraits>` locks the same mutex. So key generation is asked for encoded output
 * (PKCS #8 and SPKI, DER) only, and the private key is parsed again into a KeyObject of its own, with its own
 * mutex: exporting that one cannot wait on a job. Every key generation in src/ goes through here or asks
 * for PEM/DER itself and never touches a KeyObject from the generator.
 */
import { createPrivateKey, generateKeyPair, generateKeyPairSync, type KeyObject } from "node:crypto";

export type KeyPairShape = { readonly type: "rsa"; readonly modulusLength: number } | { readonly type: "ec"; readonly namedCurve: string };

// Both halves encoded: with either left out, the generator hands that half back as a KeyObject of its own.
const publicKeyEncoding = { type: "spki", format: "der" } as const;
const privateKeyEncoding = { type: "pkcs8", format: "der" } as const;

const parsed = (pkcs8: Buffer): KeyObject => createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });

/** A new private key (RSA with e = 65537, or EC on a named curve), generated on libuv's thread pool. */
export function generatePrivateKey(shape: KeyPairShape): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: Buffer, privateKey: Buffer): void => {
      try {
        if (error) throw error;
        resolve(parsed(privateKey));
      } catch (failure) {
        reject(failure);
      }
    };
    if (shape.type === "rsa")
      generateKeyPair("rsa", { modulusLength: shape.modulusLength, publicExponent: 65537, publicKeyEncoding, privateKeyEncoding }, done);
    else generateKeyPair("ec", { namedCurve: shape.namedCurve, publicKeyEncoding, privateKeyEncoding }, done);
  });
}

/** The same, on the calling thread. */
export function generatePrivateKeySync(shape: KeyPairShape): KeyObject {
  if (shape.type === "rsa")
    return parsed(
      generateKeyPairSync("rsa", { modulusLength: shape.modulusLength, publicExponent: 65537, publicKeyEncoding, privateKeyEncoding })
        .privateKey,
    );
  return parsed(generateKeyPairSync("ec", { namedCurve: shape.namedCurve, publicKeyEncoding, privateKeyEncoding }).privateKey);
}
