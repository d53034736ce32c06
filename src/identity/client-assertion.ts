import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import type { PrincipalRecord } from "../store/records.js";
import type { CertificateKey, ServicePrincipalCredentials } from "./credentials.js";
import { OAuthError } from "./oauth-error.js";
import { ACCEPTED_TOKEN_ALGORITHMS, MAX_CLOCK_TOLERANCE_SECONDS } from "./token-verifier.js";

/** RFC 7523 section 2.2. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const invalidClient = (description: string): OAuthError => new OAuthError("invalid_client", description);

/** The client id an assertion claims to come from (its `iss`, which RFC 7523 section 3 requires to equal `sub`). */
export function assertedClientId(assertion: string): string {
  try {
    const claims = decodeJwt(assertion);
    if (typeof claims.iss !== "string" || claims.iss !== claims.sub) {
      throw invalidClient("The client assertion's iss and sub must both be the client id.");
    }
    return claims.iss;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new OAuthError("invalid_request", "client_assertion is not a well-formed JWT.");
  }
}

/**
 * Verifies a client assertion (RFC 7523 section 3) against the service
 * principal's certificates: signature by a certificate's key (chosen by the
 * x5t#S256 or x5t header when present), iss = sub = client id, aud = the
 * token endpoint, exp not passed.
 */
export async function verifyClientAssertion(
  assertion: string,
  servicePrincipal: PrincipalRecord,
  credentials: ServicePrincipalCredentials,
  tokenEndpoints: readonly string[],
): Promise<void> {
  const header = (() => {
    try {
      return decodeProtectedHeader(assertion);
    } catch {
      throw new OAuthError("invalid_request", "client_assertion is not a well-formed JWT.");
    }
  })();
  const certificates = await credentials.certificateKeys(servicePrincipal);
  const candidates = certificates.filter((c) => matchesThumbprint(c, header["x5t#S256"], header.x5t));
  if (candidates.length === 0) throw invalidClient("No valid certificate of this client matches the client assertion.");
  for (const certificate of candidates) {
    try {
      await jwtVerify(assertion, certificate.publicKey, {
        algorithms: [...ACCEPTED_TOKEN_ALGORITHMS],
        issuer: servicePrincipal.appId ?? "",
        subject: servicePrincipal.appId ?? "",
        audience: [...tokenEndpoints],
        clockTolerance: MAX_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp"],
      });
      return;
    } catch {
      // Try the next certificate; the refusal below says nothing about which check failed per key.
    }
  }
  throw invalidClient("The client assertion could not be verified with the client's certificates (signature, audience or lifetime).");
}

function matchesThumbprint(certificate: CertificateKey, sha256: unknown, sha1: unknown): boolean {
  if (typeof sha256 === "string") return certificate.thumbprint === sha256;
  if (typeof sha1 === "string") return certificate.sha1Thumbprint === sha1;
  return true;
}
