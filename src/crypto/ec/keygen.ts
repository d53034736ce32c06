/** EC key generation with OpenSSL's generator, as a private JWK in Key Vault's curve names. */
import { KeyholdError } from "../../errors.js";
import type { CurveSpec } from "../algorithms.js";
import { generatePrivateKeySync } from "../generate-private-key.js";
import type { JsonWebKey } from "../jwk.js";

export function generateEcKey(curve: CurveSpec): JsonWebKey {
  // Never the generator's own KeyObject: see generate-private-key.ts.
  const { x, y, d } = generatePrivateKeySync({ type: "ec", namedCurve: curve.nodeName }).export({ format: "jwk" });
  if (x === undefined || y === undefined || d === undefined) {
    throw new KeyholdError("InternalError", "EC key generation returned an incomplete key");
  }
  // node:crypto names secp256k1 "secp256k1" (RFC 8812); Key Vault says "P-256K".
  return { kty: "EC", crv: curve.name, x, y, d };
}
