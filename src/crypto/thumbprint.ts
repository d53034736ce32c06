/** RFC 7638 JWK thumbprints of EC public keys (token signing keys, audit checkpoint keys). */
import { createHash } from "node:crypto";

/** The EC members RFC 7638 section 3.2 requires; others a JWK may carry do not count. */
export interface EcThumbprintMembers {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
}

/** SHA-256, base64url, over the required members in lexicographic order with no whitespace (RFC 7638 section 3). */
export function ecJwkThumbprint(jwk: EcThumbprintMembers): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical, "utf8").digest("base64url");
}
