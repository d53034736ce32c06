import type { JWTPayload } from "jose";

/**
 * Remembers tokens whose signature, issuer and audience already verified for
 * a plane, so that a client reusing one token for an hour pays the ES256/RSA
 * verification once, not per call. Only what the token's own bytes fix is
 * remembered: lifetime is checked again on every hit (with the same skew as
 * jose), and the principal is resolved from the directory on every call by
 * the verifier regardless.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, JWTPayload>();

  constructor(
    private readonly capacity: number,
    private readonly clockToleranceSeconds: number,
  ) {}

  /** The payload when this exact token verified for this plane before and is still within its lifetime. */
  get(plane: string, token: string, nowSeconds: number): JWTPayload | undefined {
    const key = `${plane}\u0000${token}`;
    const payload = this.entries.get(key);
    if (payload === undefined) return undefined;
    const expired = typeof payload.exp === "number" && nowSeconds - this.clockToleranceSeconds >= payload.exp;
    const early = typeof payload.nbf === "number" && payload.nbf > nowSeconds + this.clockToleranceSeconds;
    if (expired || early) {
      this.entries.delete(key);
      return undefined;
    }
    return payload;
  }

  remember(plane: string, token: string, payload: JWTPayload): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(`${plane}\u0000${token}`, payload);
  }
}
