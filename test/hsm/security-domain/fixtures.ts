/**
 * Wrapping certificates for security domain tests, made from the pre-generated
 * fixture keys (no RSA key generation) with the production certificate code.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { JsonWebKey } from "../../../src/crypto/index.js";
import { KeyholdError } from "../../../src/errors.js";
import { selfSignedCertificate } from "../../../src/hsm/security-domain/wrapping-keys.js";

const FIXTURES = new URL("../../fixtures/keys/", import.meta.url);
/** The six distinct RSA fixture keys: at most six different wrapping keys per test. */
const RSA_FIXTURES = ["rsa-2048-1", "rsa-2048-2", "rsa-3072-1", "rsa-3072-2", "rsa-4096-1", "rsa-4096-2"] as const;

export interface WrappingFixture {
  readonly privateJwk: JsonWebKey;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  /** The JWK with x5c that Download takes. */
  readonly certificateJwk: Record<string, unknown>;
}

const cache = new Map<string, WrappingFixture>();

export function fixtureJwk(name: string): JsonWebKey {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as JsonWebKey;
}

/** The Download JWK of a PEM certificate: its key's n and e, and the DER certificate in x5c. */
export function downloadJwk(certificatePem: string): Record<string, unknown> {
  const certificate = new X509Certificate(certificatePem);
  const key = certificate.publicKey.export({ format: "jwk" });
  return {
    kty: key.kty ?? "RSA",
    n: key.n,
    e: key.e,
    x5c: [certificate.raw.toString("base64")],
    alg: "RSA-OAEP-256",
    key_ops: ["wrapKey"],
  };
}

function fromPrivatePem(name: string, privateKeyPem: string, privateJwk: JsonWebKey): WrappingFixture {
  const certificatePem = selfSignedCertificate(privateKeyPem, `test ${name}`);
  return { privateJwk, privateKeyPem, certificatePem, certificateJwk: downloadJwk(certificatePem) };
}

/** A wrapping key pair and certificate for RSA fixture `name`. */
export function wrappingFixture(name: string): WrappingFixture {
  let fixture = cache.get(name);
  if (fixture === undefined) {
    const jwk = fixtureJwk(name);
    const pem = createPrivateKey({ key: jwk as unknown as import("node:crypto").JsonWebKey, format: "jwk" })
      .export({ type: "pkcs8", format: "pem" })
      .toString();
    fixture = fromPrivatePem(name, pem, jwk);
    cache.set(name, fixture);
  }
  return fixture;
}

/** The first `count` (at most six) fixture certificates. */
export function wrappingFixtures(count: number): WrappingFixture[] {
  if (count > RSA_FIXTURES.length) throw new RangeError(`only ${RSA_FIXTURES.length} RSA fixtures exist`);
  return RSA_FIXTURES.slice(0, count).map(wrappingFixture);
}

/** A certificate for a 1024-bit RSA key (too small); generating one takes milliseconds. */
export function weakRsaCertificateJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 1024,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return downloadJwk(selfSignedCertificate(privateKey, "weak"));
}

/** The error code and field of a refused call (`BadParameter:required`), or "accepted". */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    return error instanceof KeyholdError
      ? `${error.code}${error.field === undefined ? "" : `:${error.field}`}`
      : `unexpected ${String(error)}`;
  }
}
