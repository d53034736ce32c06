import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../../src/identity/verified-token-cache.js";

describe("verified token cache", () => {
  it("answers only for the same plane and token, within the lifetime plus skew, and stays bounded", () => {
    const cache = new VerifiedTokenCache(2, 300);
    cache.remember("data", "t1", { exp: 1000, nbf: 400 });
    expect(cache.get("data", "t1", 500)).toEqual({ exp: 1000, nbf: 400 });
    expect(cache.get("management", "t1", 500)).toBeUndefined();
    expect(cache.get("data", "t1x", 500)).toBeUndefined();
    expect(cache.get("data", "t1", 1299)).toBeDefined();
    expect(cache.get("data", "t1", 1300)).toBeUndefined();
    expect(cache.get("data", "t1", 500)).toBeUndefined();

    cache.remember("data", "early", { exp: 5000, nbf: 2000 });
    expect(cache.get("data", "early", 1699)).toBeUndefined();
    cache.remember("data", "a", { exp: 5000 });
    cache.remember("data", "b", { exp: 5000 });
    cache.remember("data", "c", { exp: 5000 });
    expect(cache.get("data", "a", 100)).toBeUndefined();
    expect(cache.get("data", "c", 100)).toBeDefined();
  });
});
