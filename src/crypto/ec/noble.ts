/**
 * ECDSA on @noble/curves v2 (pure JS, audited). Noble's bits2int truncates the
 * digest to the order's bit length for every curve (SEC 1 section 4.1.3), so
 * the digest is passed as is with `prehash: false`.
 */
import { concatBytes } from "../bytes.js";
import type { EcPrivateKey, EcPublicKey } from "../jwk.js";
import type { EcProvider } from "../providers/types.js";
import { curveParameters, NOBLE_CURVES } from "./curves.js";
import { assertDigest, privateScalar } from "./scalar.js";

const UNCOMPRESSED = Uint8Array.of(0x04);

function publicKeyBytes(key: EcPublicKey): Uint8Array {
  return concatBytes(UNCOMPRESSED, key.x, key.y);
}

export const nobleEcProvider: EcProvider = {
  name: "noble",

  sign(key: EcPrivateKey, digest: Uint8Array): Uint8Array {
    privateScalar(key, curveParameters(key.curve).n);
    assertDigest(digest);
    // Hedged RFC 6979 (section 3.6 extra entropy): deterministic k stays safe
    // with a weak RNG, the random input defends against fault attacks.
    // Low-S on output, like the native provider, so both emit the same form.
    return NOBLE_CURVES[key.curve.name].sign(digest, key.d, {
      prehash: false,
      lowS: true,
      format: "compact",
      extraEntropy: true,
    });
  },

  // Noble draws each nonce inside its sign (RFC 6979, hedged), so there is no inversion to share: one by one.
  signBatch(key: EcPrivateKey, digests: readonly Uint8Array[]): Uint8Array[] {
    return digests.map((digest) => nobleEcProvider.sign(key, digest));
  },

  verify(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
    assertDigest(digest);
    // Noble throws on a wrong-length compact signature instead of returning false.
    if (!(signature instanceof Uint8Array) || signature.length !== 2 * key.curve.scalarBytes) return false;
    try {
      return NOBLE_CURVES[key.curve.name].verify(signature, digest, publicKeyBytes(key), {
        prehash: false,
        lowS: false,
        format: "compact",
      });
    } catch {
      return false;
    }
  },
};
