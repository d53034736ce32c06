import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { badParameter } from "../../errors.js";
import { RSA_MODULUS_BITS } from "../algorithms.js";
import type { JsonWebKey } from "../jwk.js";

const generateKeyPairAsync = promisify(generateKeyPair);

/** A new RSA key (e = 65537) from OpenSSL, off the event loop, as a private JWK. */
export async function generateRsaKey(bits: unknown): Promise<JsonWebKey> {
  if (typeof bits !== "number" || !RSA_MODULUS_BITS.includes(bits)) throw badParameter("size", "RSA keys are 2048, 3072 or 4096 bits");
  const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, publicExponent: 65537 });
  return privateKey.export({ format: "jwk" }) as JsonWebKey;
}
