/**
 * The wrapping certificates a security domain download names (reference
 * section 3.3): RSA public keys as JWKs carrying their X.509 certificate in
 * `x5c`. Each certificate is parsed, its key must be RSA of 2048, 3072 or 4096
 * bits (what the crypto core encrypts to) and equal to the JWK's n and e, and
 * no key may appear twice: one private key opening two shares would lower the
 * quorum the administrators chose.
 */
import { X509Certificate } from "node:crypto";
import { RSA_MODULUS_BITS } from "../../crypto/algorithms.js";
import { equalBytes, fromBase64Url, stripLeadingZeros } from "../../crypto/bytes.js";
import type { JsonWebKey } from "../../crypto/index.js";
import { badParameter } from "../../errors.js";
import { fields, optionalString, requiredString } from "../../pipeline/decode.js";
import { MAX_SHARES } from "./shamir.js";
import { certificateThumbprint, rsaKeyThumbprint } from "./thumbprints.js";

export interface WrappingCertificate {
  /** SHA-256 of the DER certificate, base64url. */
  readonly certificateThumbprint: string;
  /** RFC 7638 thumbprint of the certificate's public key. */
  readonly keyThumbprint: string;
  /** The certificate's public key: { kty: "RSA", n, e }. */
  readonly publicKey: JsonWebKey;
}

export const MIN_CERTIFICATES = 3;
export const MAX_CERTIFICATES = MAX_SHARES;
/** A DER certificate of an RSA-4096 key with generous extensions stays well under this. */
const MAX_CERTIFICATE_CHARS = 16_384;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SHARE_WRAPPING_ALGORITHM = "RSA-OAEP-256";

function derCertificate(jwk: Record<string, unknown>, field: string): Uint8Array {
  const chain = jwk["x5c"];
  if (!Array.isArray(chain) || chain.length === 0) throw badParameter(`${field}.x5c`, "must hold the key's certificate (base64 DER)");
  const first: unknown = chain[0];
  // RFC 7517 section 4.7: x5c members are base64 (not base64url) DER.
  if (typeof first !== "string" || first.length > MAX_CERTIFICATE_CHARS || !BASE64.test(first)) {
    throw badParameter(`${field}.x5c[0]`, "must be a base64 DER certificate");
  }
  return new Uint8Array(Buffer.from(first, "base64"));
}

function parseCertificate(der: Uint8Array, field: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw badParameter(`${field}.x5c[0]`, "is not an X.509 certificate");
  }
}

function sameInteger(a: string, b: string, field: string): boolean {
  return equalBytes(stripLeadingZeros(fromBase64Url(a, field)), stripLeadingZeros(fromBase64Url(b, field)));
}

/** One certificate of the request, checked; `field` is e.g. `certificates[2]`. */
function wrappingCertificate(raw: unknown, field: string): WrappingCertificate {
  const jwk = fields(raw, field);
  const kty = requiredString(jwk, "kty", 16);
  if (kty !== "RSA") throw badParameter(`${field}.kty`, "must be RSA");
  const alg = optionalString(jwk, "alg", 32);
  if (alg !== undefined && alg !== SHARE_WRAPPING_ALGORITHM)
    throw badParameter(`${field}.alg`, `must be ${SHARE_WRAPPING_ALGORITHM} when given`);
  const n = requiredString(jwk, "n", 1024);
  const e = requiredString(jwk, "e", 16);
  const der = derCertificate(jwk, field);
  const thumbprint = certificateThumbprint(der);
  // "x5t#S256" in a JSON JWK, "x5tS256" in the protobuf message's JSON form.
  const claimed = optionalString(jwk, "x5t#S256", 64) ?? optionalString(jwk, "x5tS256", 64);
  if (claimed !== undefined && claimed !== thumbprint) throw badParameter(`${field}.x5t#S256`, "is not the SHA-256 thumbprint of x5c[0]");

  const key = parseCertificate(der, field).publicKey;
  if (key.asymmetricKeyType !== "rsa") throw badParameter(`${field}.x5c[0]`, "must certify an RSA key (rsaEncryption)");
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (!RSA_MODULUS_BITS.includes(bits)) throw badParameter(`${field}.x5c[0]`, `has a ${bits}-bit key; it must be 2048, 3072 or 4096 bits`);
  const certified = key.export({ format: "jwk" });
  if (
    certified.n === undefined ||
    certified.e === undefined ||
    !sameInteger(certified.n, n, `${field}.n`) ||
    !sameInteger(certified.e, e, `${field}.e`)
  ) {
    throw badParameter(field, "n and e are not the public key of the certificate in x5c[0]");
  }
  const publicKey: JsonWebKey = { kty: "RSA", n: certified.n, e: certified.e };
  return { certificateThumbprint: thumbprint, keyThumbprint: rsaKeyThumbprint(certified.n, certified.e), publicKey };
}

/** The request's `certificates`: 3 to 10, all different keys. */
export function wrappingCertificates(raw: unknown, field = "certificates"): WrappingCertificate[] {
  if (!Array.isArray(raw) || raw.length < MIN_CERTIFICATES || raw.length > MAX_CERTIFICATES) {
    throw badParameter(field, `must be a list of ${MIN_CERTIFICATES} to ${MAX_CERTIFICATES} certificates (JWK with x5c)`);
  }
  const certificates = raw.map((item: unknown, index) => wrappingCertificate(item, `${field}[${index}]`));
  certificates.forEach((certificate, index) => {
    const first = certificates.findIndex((other) => other.keyThumbprint === certificate.keyThumbprint);
    if (first !== index) throw badParameter(`${field}[${index}]`, `has the same key as ${field}[${first}]; each share needs its own key`);
  });
  return certificates;
}
