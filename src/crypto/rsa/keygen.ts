import { badParameter } from "../../errors.js";
import { RSA_MODULUS_BITS } from "../algorithms.js";
import { generatePrivateKey } from "../generate-private-key.js";
import type { JsonWebKey } from "../jwk.js";

/** A new RSA key (e = 65537) from OpenSSL, off the event loop, as a private JWK (see generate-private-key.ts for why it is parsed again). */
export async function generateRsaKey(bits: unknown): Promise<JsonWebKey> {
  if (typeof bits !== "number" || !RSA_MODULUS_BITS.includes(bits)) throw badParameter("size", "RSA keys are 2048, 3072 or 4096 bits");
  const privateKey = await generatePrivateKey({ type: "rsa", modulusLength: bits });
  return privateKey.export({ format: "jwk" }) as JsonWebKey;
}
