/**
 * Where a version's key material comes from: generated for CreateKey and
 * RotateKey, or imported from a caller's JWK (every private member required
 * and checked: RSA consistency per RFC 8017 section 3.2, EC point on curve
 * and d matching it). Only the key members are kept; kid, alg and the like
 * are dropped.
 */
import { generateKey, keyTypeOf, parseOctKey, parseRsaPrivateKey, publicJwk, type JsonWebKey, type KeyType } from "../../crypto/index.js";
// The crypto core's index does not export the EC private-key parser; jwk.ts is its home.
import { parseEcPrivateKey } from "../../crypto/jwk.js";
import { badParameter } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import type { KeyTypeChoice } from "./key-input.js";

export interface KeyMaterial {
  readonly family: KeyType;
  /** Private members, kty as the crypto core names the family. */
  readonly privateJwk: JsonWebKey;
  /** What may be shown: public members for RSA and EC, only kty for oct. */
  readonly publicJwk: JsonWebKey;
}

export interface KeyShape {
  readonly family: KeyType;
  /** RSA modulus bits or oct key bits. */
  readonly size?: number;
  readonly crv?: string;
}

const RSA_SIZES = [2048, 3072, 4096];
const OCT_SIZES = [128, 192, 256];

/** Checks key_size / crv against the key type (SPEC section 4) and fills in the defaults. */
export function keyShape(choice: KeyTypeChoice, keySize: number | undefined, crv: string | undefined): KeyShape {
  switch (choice.family) {
    case "RSA":
      if (crv !== undefined) throw badParameter("crv", "applies to EC keys only");
      if (keySize !== undefined && !RSA_SIZES.includes(keySize)) throw badParameter("key_size", "RSA keys are 2048, 3072 or 4096 bits");
      return { family: "RSA", size: keySize ?? 2048 };
    case "EC":
      if (keySize !== undefined) throw badParameter("key_size", "does not apply to EC keys; choose crv");
      if (crv !== undefined && !["P-256", "P-256K", "P-384", "P-521"].includes(crv))
        throw badParameter("crv", "must be one of P-256, P-256K, P-384, P-521");
      return { family: "EC", crv: crv ?? "P-256" };
    case "oct":
      if (crv !== undefined) throw badParameter("crv", "applies to EC keys only");
      if (keySize !== undefined && !OCT_SIZES.includes(keySize)) throw badParameter("key_size", "oct keys are 128, 192 or 256 bits");
      return { family: "oct", size: keySize ?? 256 };
  }
}

function materialOf(family: KeyType, privateJwk: JsonWebKey): KeyMaterial {
  if (family === "oct") return { family, privateJwk, publicJwk: { kty: "oct" } };
  const { kid: _kid, key_ops: _ops, ...pub } = publicJwk(privateJwk);
  return { family, privateJwk, publicJwk: pub };
}

export async function generateMaterial(shape: KeyShape): Promise<KeyMaterial> {
  const jwk = await generateKey(shape.family, {
    ...(shape.size === undefined ? {} : { size: shape.size }),
    ...(shape.crv === undefined ? {} : { crv: shape.crv }),
  });
  return materialOf(shape.family, jwk);
}

/** The shape of stored material, so rotation can make a new version like it. */
export function shapeOf(privateJwk: JsonWebKey): KeyShape {
  const family = keyTypeOf(privateJwk);
  if (family === "RSA") return { family, size: parseRsaPrivateKey(privateJwk).bits };
  if (family === "EC") return { family, crv: parseEcPrivateKey(privateJwk).curve.name };
  return { family, size: parseOctKey(privateJwk).k.length * 8 };
}

const MEMBERS: Readonly<Record<KeyType, readonly (keyof JsonWebKey)[]>> = {
  RSA: ["n", "e", "d", "p", "q", "dp", "dq", "qi"],
  EC: ["crv", "x", "y", "d"],
  oct: ["k"],
};

/** A caller's JWK (`field` names it in errors) checked and reduced to its key members. */
export function importMaterial(raw: unknown, field = "key"): KeyMaterial {
  const input = fields(raw, field);
  const family = keyTypeOf(input, field);
  const jwk: JsonWebKey = { kty: family };
  for (const member of MEMBERS[family]) {
    const value = input[member];
    if (value === undefined || value === null || value === "") {
      throw badParameter(`${field}.${member}`, "is required: ImportKey takes the complete private key");
    }
    if (typeof value !== "string") throw badParameter(`${field}.${member}`, "must be a base64url string");
    Object.assign(jwk, { [member]: value });
  }
  if (family === "RSA") parseRsaPrivateKey(jwk, field);
  // Key Vault names secp256k1 "P-256K" (RFC 8812's name is accepted on import).
  else if (family === "EC") jwk.crv = parseEcPrivateKey(jwk, field).curve.name;
  else parseOctKey(jwk, field);
  return materialOf(family, jwk);
}
