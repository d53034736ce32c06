import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { KeyholdError } from "../errors.js";
import type { PrincipalRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { checkTtl, issuerUrl, type IssuerSettings } from "./issuer-settings.js";
import type { Plane } from "./planes.js";
import { loadOrCreateSigningKey, type SigningKey } from "./signing-keys.js";

export interface IssuedToken {
  readonly accessToken: string;
  readonly audience: string;
  readonly expiresIn: number;
  /** Unix seconds. */
  readonly expiresOn: number;
}

/** Mints the access tokens of SPEC section 5 (ES256, Entra v2.0-shaped claims). */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    readonly settings: IssuerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  static async open(store: Store, settings: IssuerSettings, now?: () => number): Promise<TokenIssuer> {
    return new TokenIssuer(await loadOrCreateSigningKey(store), settings, now);
  }

  /** The caller checks that the principal may sign in (exists, enabled, not a group) before asking. */
  async issue(input: { principal: PrincipalRecord; plane: Plane; ttlSeconds?: number }): Promise<IssuedToken> {
    const { principal, plane } = input;
    if (principal.kind === "group") throw new KeyholdError("BadParameter", "A group cannot receive a token.", { field: "principal" });
    const ttl = input.ttlSeconds ?? this.settings.defaultTtlSeconds;
    checkTtl("ttl", ttl);
    const issuedAt = Math.floor(this.now() / 1000);
    const audience = this.settings.audiences[plane];
    const identityClaims =
      principal.kind === "user"
        ? { upn: principal.userPrincipalName ?? undefined, idtyp: "user" }
        : { appid: principal.appId ?? undefined, idtyp: "app" };
    const accessToken = await new SignJWT({ tid: principal.tenantId, oid: principal.id, ver: "2.0", ...identityClaims })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: this.key.kid })
      .setIssuer(issuerUrl(this.settings, principal.tenantId))
      .setAudience(audience)
      .setSubject(principal.id)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { accessToken, audience, expiresIn: ttl, expiresOn: issuedAt + ttl };
  }
}
