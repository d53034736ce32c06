import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { KeyholdError } from "../errors.js";
import type { Caller } from "../pipeline/caller.js";
import type { Directory } from "./directory.js";
import { isGuid } from "./ids.js";
import { issuerUrl, type IssuerSettings } from "./issuer-settings.js";
import type { Plane } from "./planes.js";
import { publishedKeys } from "./signing-keys.js";
import { trustedIssuer, type TrustedIssuer, type TrustedIssuerConfig } from "./trusted-issuers.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

/** RFC 7518 section 3.1 names; `none` and the HS* family are never accepted. */
export const ACCEPTED_TOKEN_ALGORITHMS = Object.freeze(["ES256", "RS256", "PS256"]);

/** SPEC section 5: at most five minutes of clock skew. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/** Far above any real token; refuses oversized input before parsing it. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Distinct tokens whose signature check is remembered (about 1 KiB each). */
const VERIFIED_TOKEN_CACHE_SIZE = 4096;

export interface TokenVerifierOptions {
  readonly directory: Directory;
  readonly settings: IssuerSettings;
  readonly trustedIssuers?: readonly TrustedIssuerConfig[];
  readonly clockToleranceSeconds?: number;
  readonly now?: () => number;
}

interface VerifyOptions {
  readonly plane: Plane;
  /** When given, a token of any other tenant is refused (e.g. the HSM's tenant). */
  readonly tenantId?: string;
}

export type VerifyToken = (token: string, options: VerifyOptions) => Promise<Caller>;

const unauthorized = (message: string): KeyholdError => new KeyholdError("Unauthorized", message);

/**
 * Builds `verifyToken`: signature, algorithm allow-list, issuer, the plane's
 * audience, exp/nbf with bounded skew, tenant, and for local principals the
 * directory as it is now. Every failure is Unauthorized with a message that
 * says what was wrong and never echoes the token.
 */
export function createTokenVerifier(options: TokenVerifierOptions): VerifyToken {
  const { directory, settings } = options;
  const clockTolerance = Math.min(options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS);
  const trusted = new Map((options.trustedIssuers ?? []).map((c, i) => [c.issuer, trustedIssuer(c, i)] as const));
  const localKeys = localKeyResolver(directory);
  const now = options.now ?? Date.now;
  const verified = new VerifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE, clockTolerance);

  return async (token, verifyOptions) => {
    if (typeof token !== "string" || token.length === 0) throw unauthorized("A bearer token is required.");
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized("The bearer token is too long.");
    const currentDate = new Date(now());
    // A token that verified before names its issuer in its verified payload; only a new token is decoded unverified.
    let payload = verified.get(verifyOptions.plane, token, Math.floor(currentDate.getTime() / 1000));
    const issuer = payload === undefined ? unverifiedIssuer(token) : String(payload.iss);
    const localTenant = localTenantOf(settings, issuer);
    const external = localTenant === undefined ? trusted.get(issuer) : undefined;
    if (localTenant === undefined && external === undefined) throw unauthorized("The token's issuer is not trusted.");

    const audience = external === undefined ? settings.audiences[verifyOptions.plane] : external.config.audiences[verifyOptions.plane];
    if (audience === undefined) throw unauthorized(`Tokens of this issuer are not accepted by the ${verifyOptions.plane} plane.`);
    if (payload === undefined) {
      payload = await verifySignedClaims(token, external?.keys ?? localKeys, {
        issuer,
        audience,
        clockTolerance,
        plane: verifyOptions.plane,
        currentDate,
      });
      verified.remember(verifyOptions.plane, token, payload);
    }

    const caller =
      localTenant !== undefined ? await localCaller(directory, localTenant, payload) : externalCaller(external as TrustedIssuer, payload);
    if (verifyOptions.tenantId !== undefined && caller.tid !== verifyOptions.tenantId.toLowerCase()) {
      throw unauthorized("The token was issued for another tenant.");
    }
    return caller;
  };
}

function unverifiedIssuer(token: string): string {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    throw unauthorized("The bearer token is not a well-formed JWT.");
  }
  if (typeof claims.iss !== "string") throw unauthorized("The token has no issuer (iss) claim.");
  return claims.iss;
}

function localTenantOf(settings: IssuerSettings, issuer: string): string | undefined {
  const prefix = `${settings.baseUrl}/`;
  if (!issuer.startsWith(prefix) || !issuer.endsWith("/v2.0")) return undefined;
  const tenant = issuer.slice(prefix.length, -"/v2.0".length);
  return isGuid(tenant) && issuerUrl(settings, tenant) === issuer ? tenant : undefined;
}

async function verifySignedClaims(
  token: string,
  keys: JWTVerifyGetKey,
  expected: { issuer: string; audience: string; clockTolerance: number; plane: Plane; currentDate: Date },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [...ACCEPTED_TOKEN_ALGORITHMS],
      issuer: expected.issuer,
      audience: expected.audience,
      clockTolerance: expected.clockTolerance,
      requiredClaims: ["exp"],
      currentDate: expected.currentDate,
    });
    return payload;
  } catch (error) {
    throw refusalOf(error, expected.plane);
  }
}

function refusalOf(error: unknown, plane: Plane): KeyholdError {
  if (error instanceof KeyholdError) return error;
  if (error instanceof joseErrors.JWTExpired) return unauthorized("The token has expired.");
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return unauthorized(`The token's signing algorithm is not accepted (allowed: ${ACCEPTED_TOKEN_ALGORITHMS.join(", ")}).`);
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return unauthorized(`The token's audience is not the ${plane} plane's.`);
    if (error.claim === "nbf") return unauthorized("The token is not valid yet (nbf).");
    return unauthorized(`The token's ${error.claim} claim is not valid.`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return unauthorized("The token's signature is not valid.");
  if (error instanceof joseErrors.JWKSNoMatchingKey) return unauthorized("The token is signed by a key the issuer does not publish.");
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return unauthorized("The bearer token is not a well-formed JWT.");
  }
  return unauthorized("The token could not be verified.");
}

/** Our published keys by kid, reloaded from the store when a kid is unknown (a key made by another process). */
function localKeyResolver(directory: Directory): JWTVerifyGetKey {
  let cached: { kids: Set<string>; resolve: JWTVerifyGetKey } | undefined;
  const load = async () => {
    const keys = await publishedKeys(directory.store);
    cached = { kids: new Set(keys.map((k) => k.kid)), resolve: createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) }) };
    return cached;
  };
  return async (header, token) => {
    if (typeof header.kid !== "string") throw unauthorized("The token's header names no key (kid).");
    const keys = cached !== undefined && cached.kids.has(header.kid) ? cached : await load();
    if (!keys.kids.has(header.kid)) throw unauthorized("The token is signed by a key the issuer does not publish.");
    return keys.resolve(header, token);
  };
}

async function localCaller(directory: Directory, issuerTenant: string, payload: JWTPayload): Promise<Caller> {
  if (payload["tid"] !== issuerTenant) throw unauthorized("The token's tid claim does not match its issuer.");
  if (typeof payload["oid"] !== "string") throw unauthorized("The token has no oid claim.");
  if ((await directory.findTenant(issuerTenant)) === undefined) throw unauthorized("The token's tenant is not known.");
  return directory.resolveCaller(issuerTenant, payload["oid"]);
}

function externalCaller(issuer: TrustedIssuer, payload: JWTPayload): Caller {
  const oid = payload[issuer.objectIdClaim];
  if (typeof oid !== "string" || oid.length === 0) throw unauthorized(`The token has no ${issuer.objectIdClaim} claim.`);
  const tid = issuer.config.tenantId ?? payload["tid"];
  if (typeof tid !== "string" || tid.length === 0) throw unauthorized("The token has no tid claim.");
  const groups = payload[issuer.groupsClaim];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === "string"))) {
    throw unauthorized(`The token's ${issuer.groupsClaim} claim is not a list of group ids.`);
  }
  const name = payload["name"];
  return {
    oid: oid.toLowerCase(),
    tid: tid.toLowerCase(),
    kind: "external",
    displayName: typeof name === "string" ? name : oid,
    ...(typeof payload["upn"] === "string" ? { upn: payload["upn"] } : {}),
    ...(typeof payload["appid"] === "string" ? { appid: payload["appid"] } : {}),
    groupIds: (groups ?? []).map((g) => g.toLowerCase()),
  };
}
