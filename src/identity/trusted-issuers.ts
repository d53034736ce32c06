import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { badParameter } from "../errors.js";
import type { Plane } from "./planes.js";

/** An external identity provider whose tokens keyhold accepts (SPEC section 5). */
export interface TrustedIssuerConfig {
  /** Compared exactly with the token's `iss`. */
  readonly issuer: string;
  /** Exactly one of jwksFile and jwksUri. */
  readonly jwksFile?: string;
  readonly jwksUri?: string;
  /** The audience this issuer puts in tokens for each plane; a plane without one refuses its tokens. */
  readonly audiences: Partial<Record<Plane, string>>;
  /** Claim holding the caller's object id (default `oid`). */
  readonly objectIdClaim?: string;
  /** Claim holding the caller's group ids, an array of strings (default `groups`). */
  readonly groupsClaim?: string;
  /** The tenant of every caller of this issuer; when absent the `tid` claim is required. */
  readonly tenantId?: string;
}

export interface TrustedIssuer {
  readonly config: TrustedIssuerConfig;
  readonly objectIdClaim: string;
  readonly groupsClaim: string;
  readonly keys: JWTVerifyGetKey;
}

export function trustedIssuer(config: TrustedIssuerConfig, index: number): TrustedIssuer {
  const field = `identity.trustedIssuers[${index}]`;
  if (typeof config.issuer !== "string" || config.issuer.length === 0) throw badParameter(`${field}.issuer`, "is required");
  if ((config.jwksFile === undefined) === (config.jwksUri === undefined)) {
    throw badParameter(`${field}.jwksFile`, "give exactly one of jwksFile and jwksUri");
  }
  return {
    config,
    objectIdClaim: config.objectIdClaim ?? "oid",
    groupsClaim: config.groupsClaim ?? "groups",
    keys:
      config.jwksFile !== undefined
        ? localKeys(`${field}.jwksFile`, config.jwksFile)
        : remoteKeys(`${field}.jwksUri`, config.jwksUri ?? ""),
  };
}

function localKeys(field: string, path: string): JWTVerifyGetKey {
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw badParameter(field, "could not be read as a JSON Web Key Set");
  }
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw badParameter(field, 'must hold a JSON Web Key Set ({"keys": [...]})');
  }
  return createLocalJWKSet(jwks as JSONWebKeySet);
}

function remoteKeys(field: string, uri: string): JWTVerifyGetKey {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw badParameter(field, "must be an absolute URL");
  }
  if (url.protocol !== "https:") throw badParameter(field, "must be an https URL");
  return createRemoteJWKSet(url);
}
