import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Directory } from "../../src/identity/directory.js";
import { ServicePrincipalCredentials } from "../../src/identity/credentials.js";
import { issuerSettings, type IssuerSettings } from "../../src/identity/issuer-settings.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { createTokenVerifier, type VerifyToken } from "../../src/identity/token-verifier.js";
import type { TrustedIssuerConfig } from "../../src/identity/trusted-issuers.js";
import type { TenantRecord } from "../../src/store/records.js";
import { openMemoryStore, type Store } from "../../src/store/index.js";

// node-forge is CommonJS without a default export under esModuleInterop=false.
const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

/** Cheap scrypt so tests stay fast; production uses DEFAULT_SCRYPT. */
export const TEST_SCRYPT = Object.freeze({ N: 1024, r: 8, p: 1 });

const BASE_URL = "https://keyhold.test:8443";

export interface IdentityFixture {
  store: Store;
  directory: Directory;
  credentials: ServicePrincipalCredentials;
  settings: IssuerSettings;
  issuer: TokenIssuer;
  verifyToken: VerifyToken;
  tenant: TenantRecord;
  clock: { now: number };
}

export async function identityFixture(options: { trustedIssuers?: TrustedIssuerConfig[] } = {}): Promise<IdentityFixture> {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const store = await openMemoryStore();
  const directory = new Directory(store, { scrypt: TEST_SCRYPT, now });
  const settings = issuerSettings({ baseUrl: BASE_URL });
  return {
    store,
    directory,
    credentials: new ServicePrincipalCredentials(directory, now),
    settings,
    issuer: await TokenIssuer.open(store, settings, now),
    verifyToken: createTokenVerifier({
      directory,
      settings,
      now,
      ...(options.trustedIssuers ? { trustedIssuers: options.trustedIssuers } : {}),
    }),
    tenant: await directory.createTenant({ name: "contoso" }),
    clock,
  };
}

export interface FixtureKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, string>;
}

export function fixtureKey(name: string): FixtureKey {
  const jwk = JSON.parse(readFileSync(new URL(`../fixtures/keys/${name}.json`, import.meta.url), "utf8")) as Record<string, string>;
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  return { privateKey, publicKey: createPublicKey(privateKey), jwk };
}

/** A self-signed certificate over a fixture RSA key, valid from an hour ago for a year. */
export function selfSignedCertificate(key: FixtureKey, commonName: string): string {
  const forgePrivate = forge.pki.privateKeyFromPem(key.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
  const forgePublic = forge.pki.publicKeyFromPem(key.publicKey.export({ format: "pem", type: "spki" }).toString());
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forgePublic;
  certificate.serialNumber = "01";
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const attributes = [{ name: "commonName", value: commonName }];
  certificate.setSubject(attributes);
  certificate.setIssuer(attributes);
  certificate.sign(forgePrivate, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}
