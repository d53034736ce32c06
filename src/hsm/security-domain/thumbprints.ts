/** The two names a wrapping key goes by in a security domain: its certificate's and its public key's. */
import { createHash } from "node:crypto";
import { fromBase64Url, stripLeadingZeros, toBase64Url } from "../../crypto/bytes.js";

/** SHA-256 of the DER certificate, base64url: JWK `x5t#S256` (RFC 7517 section 4.9). */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("base64url");
}

/**
 * RFC 7638 JWK thumbprint (SHA-256) of an RSA public key: the hash of
 * `{"e":..,"kty":"RSA","n":..}` with members in lexicographic order and minimal
 * integers. A private key file names its share by it, with no certificate at hand.
 */
export function rsaKeyThumbprint(n: string, e: string, field = "jwk"): string {
  const minimal = (value: string, name: string) => toBase64Url(stripLeadingZeros(fromBase64Url(value, `${field}.${name}`)));
  const canonical = `{"e":"${minimal(e, "e")}","kty":"RSA","n":"${minimal(n, "n")}"}`;
  return createHash("sha256").update(canonical, "utf8").digest("base64url");
}
