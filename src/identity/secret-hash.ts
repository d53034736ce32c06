import { createHmac, randomBytes } from "node:crypto";
import { equalBytes } from "../crypto/bytes.js";

/**
 * Client secrets are 256 random bits made by keyhold, so a slow hash adds
 * nothing against guessing; a salted HMAC-SHA-256 keeps the token endpoint fast.
 * Encoding: `hmac-sha256$<salt b64url>$<mac b64url>`.
 */
export function newClientSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashClientSecret(secret: string): string {
  const salt = randomBytes(16);
  return ["hmac-sha256", salt.toString("base64url"), mac(salt, secret).toString("base64url")].join("$");
}

export function verifyClientSecret(secret: string, encoded: string): boolean {
  const parts = encoded.split("$");
  if (parts.length !== 3 || parts[0] !== "hmac-sha256") return false;
  const expected = Buffer.from(parts[2] ?? "", "base64url");
  const actual = mac(Buffer.from(parts[1] ?? "", "base64url"), secret);
  return equalBytes(expected, actual);
}

function mac(salt: Buffer, secret: string): Buffer {
  return createHmac("sha256", salt).update(secret, "utf8").digest();
}
