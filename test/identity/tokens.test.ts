import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import { loadOrCreateSigningKey } from "../../src/identity/signing-keys.js";
import { fixtureKey, identityFixture, type IdentityFixture } from "./helpers.js";

const fixtures: IdentityFixture[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.store.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function setup(options: Parameters<typeof identityFixture>[0] = {}): Promise<IdentityFixture> {
  const f = await identityFixture(options);
  fixtures.push(f);
  return f;
}

async function refusal(promise: Promise<unknown>): Promise<KeyholdError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyholdError);
  expect((error as KeyholdError).code).toBe("Unauthorized");
  return error as KeyholdError;
}

describe("token issuer", () => {
  it("mints ES256 tokens with the claims of SPEC section 5 and a published kid", async () => {
    const f = await setup();
    const user = await f.directory.createUser(f.tenant.id, {
      userPrincipalName: "ada@contoso",
      displayName: "Ada",
      password: "password-1",
    });
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const userToken = await f.issuer.issue({ principal: user, plane: "data" });
    const header = decodeProtectedHeader(userToken.accessToken);
    const claims = decodeJwt(userToken.accessToken);
    expect(header.alg).toBe("ES256");
    expect(header.kid).toBe((await loadOrCreateSigningKey(f.store)).kid);
    expect(claims).toMatchObject({
      iss: `https://keyhold.test:8443/${f.tenant.id}/v2.0`,
      aud: "https://managedhsm.azure.net",
      tid: f.tenant.id,
      oid: user.id,
      sub: user.id,
      upn: "ada@contoso",
      ver: "2.0",
    });
    expect(claims.appid).toBeUndefined();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);

    const appClaims = decodeJwt((await f.issuer.issue({ principal: sp, plane: "management", ttlSeconds: 600 })).accessToken);
    expect(appClaims).toMatchObject({ aud: "https://management.azure.com", appid: sp.appId, oid: sp.id });
    expect(appClaims.upn).toBeUndefined();
    expect((appClaims.exp ?? 0) - (appClaims.iat ?? 0)).toBe(600);
  });

  it("keeps one signing key in the store across issuers", async () => {
    const f = await setup();
    const first = await loadOrCreateSigningKey(f.store);
    const second = await loadOrCreateSigningKey(f.store);
    expect(second.kid).toBe(first.kid);
    expect((await f.store.issuerKeys.list()).length).toBe(1);
  });
});

describe("token verifier", () => {
  it("accepts a valid token and returns the caller resolved now", async () => {
    const f = await setup();
    const user = await f.directory.createUser(f.tenant.id, {
      userPrincipalName: "ada@contoso",
      displayName: "Ada",
      password: "password-1",
    });
    const group = await f.directory.createGroup(f.tenant.id, { displayName: "crypto users" });
    await f.directory.addMember(f.tenant.id, group.id, user.id);
    const { accessToken } = await f.issuer.issue({ principal: user, plane: "data" });
    expect(await f.verifyToken(accessToken, { plane: "data", tenantId: f.tenant.id })).toEqual({
      oid: user.id,
      tid: f.tenant.id,
      kind: "user",
      displayName: "Ada",
      upn: "ada@contoso",
      groupIds: [group.id],
    });
    // Removing the user from the group shows on the very next verification of the same token.
    await f.directory.removeMember(f.tenant.id, group.id, user.id);
    expect((await f.verifyToken(accessToken, { plane: "data" })).groupIds).toEqual([]);
  });

  it("refuses a disabled or deleted principal's still-valid token on the next call", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const { accessToken } = await f.issuer.issue({ principal: sp, plane: "data" });
    expect((await f.verifyToken(accessToken, { plane: "data" })).oid).toBe(sp.id);
    await f.directory.setEnabled(f.tenant.id, sp.id, false);
    expect((await refusal(f.verifyToken(accessToken, { plane: "data" }))).message).toMatch(/disabled/);
    await f.directory.setEnabled(f.tenant.id, sp.id, true);
    expect((await f.verifyToken(accessToken, { plane: "data" })).oid).toBe(sp.id);
    await f.directory.deletePrincipal(f.tenant.id, sp.id);
    expect((await refusal(f.verifyToken(accessToken, { plane: "data" }))).message).toMatch(/does not exist/);
  });

  it("refuses a data-plane token on the management plane and the reverse", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const data = (await f.issuer.issue({ principal: sp, plane: "data" })).accessToken;
    const management = (await f.issuer.issue({ principal: sp, plane: "management" })).accessToken;
    // Accepted first on its own plane, so a remembered verification must not leak to the other plane.
    expect((await f.verifyToken(data, { plane: "data" })).oid).toBe(sp.id);
    expect((await refusal(f.verifyToken(data, { plane: "management" }))).message).toMatch(/audience.*management/);
    expect((await refusal(f.verifyToken(management, { plane: "data" }))).message).toMatch(/audience.*data/);
    expect((await f.verifyToken(management, { plane: "management" })).oid).toBe(sp.id);
  });

  it("refuses expiry beyond the five-minute skew and accepts it within", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const issuedAt = f.clock.now;
    const { accessToken } = await f.issuer.issue({ principal: sp, plane: "data", ttlSeconds: 600 });
    expect((await f.verifyToken(accessToken, { plane: "data" })).oid).toBe(sp.id);
    f.clock.now = issuedAt + (600 + 4 * 60) * 1000;
    expect((await f.verifyToken(accessToken, { plane: "data" })).oid).toBe(sp.id);
    f.clock.now = issuedAt + (600 + 6 * 60) * 1000;
    expect((await refusal(f.verifyToken(accessToken, { plane: "data" }))).message).toBe("The token has expired.");
    f.clock.now = issuedAt - 6 * 60 * 1000;
    expect((await refusal(f.verifyToken(accessToken, { plane: "data" }))).message).toMatch(/not valid yet/);
  });

  it("refuses a token signed by a key the issuer does not publish", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const genuine = decodeJwt((await f.issuer.issue({ principal: sp, plane: "data" })).accessToken);
    const published = await loadOrCreateSigningKey(f.store);
    const stranger = fixtureKey("ec-p256").privateKey;
    const unknownKid = await new SignJWT(genuine).setProtectedHeader({ alg: "ES256", kid: "someone-else" }).sign(stranger);
    expect((await refusal(f.verifyToken(unknownKid, { plane: "data" }))).message).toMatch(/does not publish/);
    // Same kid as ours, wrong key: the signature check must catch it.
    const forgedKid = await new SignJWT(genuine).setProtectedHeader({ alg: "ES256", kid: published.kid }).sign(stranger);
    expect((await refusal(f.verifyToken(forgedKid, { plane: "data" }))).message).toMatch(/signature/);
  });

  it("refuses alg none and HMAC tokens", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const claims = decodeJwt((await f.issuer.issue({ principal: sp, plane: "data" })).accessToken);
    const kid = (await loadOrCreateSigningKey(f.store)).kid;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsecured = `${b64({ alg: "none", typ: "JWT", kid })}.${b64(claims)}.`;
    expect((await refusal(f.verifyToken(unsecured, { plane: "data" }))).message).toMatch(/algorithm is not accepted/);
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(new TextEncoder().encode("x".repeat(32)));
    expect((await refusal(f.verifyToken(hmac, { plane: "data" }))).message).toMatch(/algorithm is not accepted/);
  });

  it("refuses tokens for another tenant, an unknown tenant or a tid that contradicts the issuer", async () => {
    const f = await setup();
    const other = await f.directory.createTenant({ name: "fabrikam" });
    const foreign = await f.directory.createServicePrincipal(other.id, { displayName: "foreign app" });
    const { accessToken } = await f.issuer.issue({ principal: foreign, plane: "data" });
    expect((await refusal(f.verifyToken(accessToken, { plane: "data", tenantId: f.tenant.id }))).message).toMatch(/another tenant/);

    const key = await loadOrCreateSigningKey(f.store);
    const sign = (iss: string, tid: string) =>
      new SignJWT({ tid, oid: foreign.id })
        .setProtectedHeader({ alg: "ES256", kid: key.kid })
        .setIssuer(iss)
        .setAudience("https://managedhsm.azure.net")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(key.privateKey);
    const ghost = crypto.randomUUID();
    const unknownTenant = await sign(`https://keyhold.test:8443/${ghost}/v2.0`, ghost);
    expect((await refusal(f.verifyToken(unknownTenant, { plane: "data" }))).message).toMatch(/tenant is not known/);
    const mismatched = await sign(`https://keyhold.test:8443/${f.tenant.id}/v2.0`, other.id);
    expect((await refusal(f.verifyToken(mismatched, { plane: "data" }))).message).toMatch(/tid/);
    const strangerIssuer = await sign(`https://elsewhere.test/${other.id}/v2.0`, other.id);
    expect((await refusal(f.verifyToken(strangerIssuer, { plane: "data" }))).message).toMatch(/issuer is not trusted/);
  });

  it("never echoes the token in its refusals", async () => {
    const f = await setup();
    const sp = await f.directory.createServicePrincipal(f.tenant.id, { displayName: "app" });
    const { accessToken } = await f.issuer.issue({ principal: sp, plane: "data" });
    const [h, p, s] = accessToken.split(".");
    const tampered = `${h}.${p}.${(s ?? "").slice(0, -4)}AAAA`;
    for (const token of [tampered, "garbage", `${h}.${p}`, "x".repeat(20_000), ""]) {
      const error = await refusal(f.verifyToken(token, { plane: "data" }));
      expect(error.message).not.toContain(token.slice(0, 12) || "\u0000");
      expect(error.message).not.toContain(s ?? "\u0000");
    }
  });
});

describe("trusted external issuers", () => {
  it("accepts tokens of a configured issuer with its audiences, object-id claim and groups claim", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-jwks-"));
    dirs.push(dir);
    const key = fixtureKey("rsa-2048-1");
    const jwksFile = join(dir, "jwks.json");
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ kty: "RSA", n: key.jwk["n"], e: key.jwk["e"], kid: "ext-1", alg: "RS256" }] }));
    const externalTenant = crypto.randomUUID();
    const f = await setup({
      trustedIssuers: [
        {
          issuer: "https://idp.example.test/",
          jwksFile,
          audiences: { data: "api://keyhold-data" },
          objectIdClaim: "object_id",
          groupsClaim: "roles_groups",
          tenantId: externalTenant,
        },
      ],
    });
    const sign = (claims: Record<string, unknown>, aud: string, signer = key.privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "ext-1" })
        .setIssuer("https://idp.example.test/")
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(signer);
    const groupId = crypto.randomUUID();
    const objectId = crypto.randomUUID();
    const token = await sign({ object_id: objectId, roles_groups: [groupId] }, "api://keyhold-data");
    expect(await f.verifyToken(token, { plane: "data" })).toMatchObject({
      oid: objectId,
      tid: externalTenant,
      kind: "external",
      groupIds: [groupId],
    });
    // No management audience configured: the management plane refuses this issuer's tokens.
    await refusal(f.verifyToken(token, { plane: "management" }));
    await refusal(f.verifyToken(await sign({ object_id: objectId }, "api://other"), { plane: "data" }));
    await refusal(f.verifyToken(await sign({ sub: "x" }, "api://keyhold-data"), { plane: "data" }));
    await refusal(
      f.verifyToken(await sign({ object_id: objectId }, "api://keyhold-data", fixtureKey("rsa-2048-2").privateKey), { plane: "data" }),
    );
  });
});
