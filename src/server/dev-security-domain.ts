/**
 * The development security domain (SPEC sections 8 and 11): three RSA-2048 wrapping key pairs with self-signed
 * certificates in `<dataDir>/dev-security-domain/` (cert1.pem, key1.pem, ...), the HSM's domain secret split among
 * them with a quorum of 2, the blob saved as `sd.json`, and the HSM activated. This is what
 * `keyhold security-domain make-keys` and `download` do, run in-process. The private keys sit next to the data they
 * recover, which is acceptable only because nothing in a dev data dir is worth protecting.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { KeyholdError } from "../errors.js";
import { writeFileAtomically } from "../files.js";
import {
  makeWrappingKeyPair,
  parseSecurityDomain,
  sealSecurityDomain,
  wrappingCertificates,
  type DomainSecretReader,
  type WrappingKeyPair,
} from "../hsm/security-domain/index.js";
import type { HsmRegistry } from "../pipeline/hsm-registry.js";
import type { ManagedHsmRecord } from "../store/index.js";

const DEV_SECURITY_DOMAIN_DIR = "dev-security-domain";
const DEV_SECURITY_DOMAIN_FILE = "sd.json";
const KEY_PAIRS = 3;
const QUORUM = 2;

export interface DevSecurityDomainDeps {
  readonly dataDir: string;
  readonly hsm: ManagedHsmRecord;
  readonly readDomainSecret: DomainSecretReader;
  readonly registry: Pick<HsmRegistry, "markActivated">;
}

export interface DevSecurityDomain {
  readonly directory: string;
  readonly blobFile: string;
  readonly certificateFiles: readonly string[];
  readonly privateKeyFiles: readonly string[];
  readonly required: number;
  /** Whether this start wrote a new blob (first start, or the old one was missing or of another HSM). */
  readonly downloaded: boolean;
}

const certificateFile = (dir: string, i: number): string => join(dir, `cert${i}.pem`);
const privateKeyFile = (dir: string, i: number): string => join(dir, `key${i}.pem`);
const indexes = Array.from({ length: KEY_PAIRS }, (_, i) => i + 1);

/** The existing key pairs when all of them are there; otherwise new ones (no blob depends on an incomplete set). */
async function ensureKeyPairs(dir: string): Promise<void> {
  const complete = indexes.every((i) => existsSync(certificateFile(dir, i)) && existsSync(privateKeyFile(dir, i)));
  if (complete) return;
  for (const i of indexes) {
    const pair: WrappingKeyPair = await makeWrappingKeyPair(`keyhold development security domain key ${i}`);
    writeFileAtomically(privateKeyFile(dir, i), pair.privateKeyPem, 0o600);
    writeFileAtomically(certificateFile(dir, i), pair.certificatePem, 0o644);
  }
}

/** A PEM certificate as the JWK with x5c that a Download request carries (reference section 3.3). */
function certificateJwk(path: string): Record<string, unknown> {
  const certificate = new X509Certificate(readFileSync(path));
  const publicKey = certificate.publicKey.export({ format: "jwk" });
  return { kty: publicKey.kty, n: publicKey.n, e: publicKey.e, x5c: [certificate.raw.toString("base64")], alg: "RSA-OAEP-256" };
}

/** Whether the blob on disk is missing, a security domain of this HSM, or something else (another HSM's, or damaged). */
function blobState(blobFile: string, hsmId: string): "missing" | "ours" | "foreign" {
  if (!existsSync(blobFile)) return "missing";
  try {
    return parseSecurityDomain(readFileSync(blobFile, "utf8"), blobFile).hsmId === hsmId ? "ours" : "foreign";
  } catch {
    return "foreign";
  }
}

/**
 * Ensures the key pairs, the blob and the activation. Order matters for crash safety: keys, then the blob, then the
 * activation, so an activated HSM always has a blob on disk that its keys open.
 */
export async function ensureDevSecurityDomain(deps: DevSecurityDomainDeps): Promise<DevSecurityDomain> {
  const directory = join(deps.dataDir, DEV_SECURITY_DOMAIN_DIR);
  const blobFile = join(directory, DEV_SECURITY_DOMAIN_FILE);
  const state = blobState(blobFile, deps.hsm.hsmId);
  // Another HSM's blob (the dev HSM was purged and made again) and its keys are moved aside, never overwritten.
  if (state === "foreign") renameSync(directory, `${directory}.replaced-${Date.now()}`);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const haveBlob = state === "ours";
  if (!haveBlob) {
    await ensureKeyPairs(directory);
    const certificates = wrappingCertificates(indexes.map((i) => certificateJwk(certificateFile(directory, i))));
    const secret = await deps.readDomainSecret(deps.hsm.hsmId);
    let blob;
    try {
      blob = await sealSecurityDomain({ hsmId: deps.hsm.hsmId, secret, required: QUORUM, certificates });
    } finally {
      secret.fill(0);
    }
    writeFileAtomically(blobFile, JSON.stringify(blob), 0o600);
  }
  if (deps.hsm.activation === "NotActivated") await deps.registry.markActivated(deps.hsm.hsmId);
  else if (deps.hsm.activation !== "Activated") {
    throw new KeyholdError(
      "Unavailable",
      `The development HSM is ${deps.hsm.activation}; wait for it to finish before starting in dev mode.`,
    );
  }
  return {
    directory,
    blobFile,
    certificateFiles: indexes.map((i) => certificateFile(directory, i)),
    privateKeyFiles: indexes.map((i) => privateKeyFile(directory, i)),
    required: QUORUM,
    downloaded: !haveBlob,
  };
}
