import { badParameter } from "../errors.js";
import { DEFAULT_AUDIENCES, type PlaneAudiences } from "./planes.js";

/** What the local issuer needs to know about itself. */
export interface IssuerSettings {
  /** `https://<https-host>[:port]`: tokens carry `iss` = `<baseUrl>/<tenantId>/v2.0`, as Entra ID's v2 endpoint does. */
  readonly baseUrl: string;
  readonly audiences: PlaneAudiences;
  /** Lifetime of issued tokens when the request names none. */
  readonly defaultTtlSeconds: number;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MIN_TOKEN_TTL_SECONDS = 60;
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export function issuerSettings(input: {
  baseUrl: string;
  audiences?: Partial<PlaneAudiences>;
  defaultTtlSeconds?: number;
}): IssuerSettings {
  let url: URL;
  try {
    url = new URL(input.baseUrl);
  } catch {
    throw badParameter("identity.issuerBaseUrl", "must be an absolute https URL");
  }
  if (url.protocol !== "https:" || url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw badParameter("identity.issuerBaseUrl", "must be https://host[:port] with no path");
  }
  const defaultTtlSeconds = input.defaultTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  checkTtl("identity.defaultTtlSeconds", defaultTtlSeconds);
  return Object.freeze({
    baseUrl: url.origin,
    audiences: Object.freeze({ ...DEFAULT_AUDIENCES, ...input.audiences }),
    defaultTtlSeconds,
  });
}

export function checkTtl(field: string, seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < MIN_TOKEN_TTL_SECONDS || seconds > MAX_TOKEN_TTL_SECONDS) {
    throw badParameter(field, `must be a whole number of seconds from ${MIN_TOKEN_TTL_SECONDS} to ${MAX_TOKEN_TTL_SECONDS}`);
  }
}

export const issuerUrl = (settings: IssuerSettings, tenantId: string): string => `${settings.baseUrl}/${tenantId}/v2.0`;

export const tokenEndpointUrl = (settings: IssuerSettings, tenantId: string): string => `${settings.baseUrl}/${tenantId}/oauth2/v2.0/token`;

export const jwksUrl = (settings: IssuerSettings, tenantId: string): string => `${settings.baseUrl}/${tenantId}/discovery/v2.0/keys`;
