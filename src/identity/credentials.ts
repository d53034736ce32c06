import { X509Certificate, createHash, type KeyObject } from "node:crypto";
import { KeyholdError, badParameter, echo } from "../errors.js";
import type { CredentialRecord, PrincipalRecord } from "../store/records.js";
import type { Directory } from "./directory.js";
import { newObjectId } from "./ids.js";
import { hashClientSecret, newClientSecret, verifyClientSecret } from "./secret-hash.js";

/** Graph's default lifetime of a password credential is two years; we keep it shorter. */
const DEFAULT_SECRET_LIFETIME_MS = 365 * 24 * 3600 * 1000;

export interface AddedPassword {
  readonly keyId: string;
  /** Shown once; only its salted hash is kept. */
  readonly secretText: string;
  readonly displayName: string;
  readonly startDateTime: string;
  readonly endDateTime: string;
}

export interface CredentialInfo {
  readonly keyId: string;
  readonly type: "password" | "certificate";
  readonly displayName: string;
  readonly startDateTime: string;
  readonly endDateTime: string;
  /** Certificates only: base64url SHA-256 thumbprint (`x5t#S256`). */
  readonly thumbprint?: string;
}

export interface CertificateKey {
  readonly keyId: string;
  /** base64url SHA-256 thumbprint, the `x5t#S256` JWS header (RFC 7515 section 4.1.8). */
  readonly thumbprint: string;
  /** base64url SHA-1 thumbprint, the `x5t` header (RFC 7515 section 4.1.7) that older clients send. */
  readonly sha1Thumbprint: string;
  readonly publicKey: KeyObject;
}

/** Client secrets and certificate credentials of service principals. */
export class ServicePrincipalCredentials {
  constructor(
    private readonly directory: Directory,
    private readonly now: () => number = Date.now,
  ) {}

  async addPassword(
    tenantId: string,
    servicePrincipalId: string,
    input: { displayName?: string; endDateTime?: number } = {},
  ): Promise<AddedPassword> {
    const sp = await this.directory.getPrincipal(tenantId, servicePrincipalId, "servicePrincipal");
    const startAt = this.now();
    const endAt = input.endDateTime ?? startAt + DEFAULT_SECRET_LIFETIME_MS;
    if (!Number.isFinite(endAt) || endAt <= startAt) throw badParameter("passwordCredential.endDateTime", "must be in the future");
    const secretText = newClientSecret();
    const record: CredentialRecord = {
      id: newObjectId(),
      principalId: sp.id,
      kind: "secret",
      displayName: input.displayName ?? "",
      secretHash: hashClientSecret(secretText),
      certificatePem: null,
      thumbprint: null,
      startAt,
      endAt,
    };
    await this.directory.store.credentials.insert(record);
    return {
      keyId: record.id,
      secretText,
      displayName: record.displayName,
      startDateTime: new Date(startAt).toISOString(),
      endDateTime: new Date(endAt).toISOString(),
    };
  }

  /** A PEM certificate whose key will sign client assertions (RFC 7523). */
  async addCertificate(
    tenantId: string,
    servicePrincipalId: string,
    input: { certificatePem: string; displayName?: string },
  ): Promise<CredentialInfo> {
    const sp = await this.directory.getPrincipal(tenantId, servicePrincipalId, "servicePrincipal");
    const certificate = parseCertificate(input.certificatePem);
    const record: CredentialRecord = {
      id: newObjectId(),
      principalId: sp.id,
      kind: "certificate",
      displayName: input.displayName ?? certificate.subject,
      secretHash: null,
      certificatePem: certificate.toString(),
      thumbprint: sha256Thumbprint(certificate),
      startAt: Date.parse(certificate.validFrom),
      endAt: Date.parse(certificate.validTo),
    };
    await this.directory.store.credentials.insert(record);
    return credentialInfo(record);
  }

  async list(tenantId: string, servicePrincipalId: string): Promise<CredentialInfo[]> {
    const sp = await this.directory.getPrincipal(tenantId, servicePrincipalId, "servicePrincipal");
    return (await this.directory.store.credentials.listForPrincipal(sp.id)).map(credentialInfo);
  }

  async remove(tenantId: string, servicePrincipalId: string, keyId: string): Promise<void> {
    const sp = await this.directory.getPrincipal(tenantId, servicePrincipalId, "servicePrincipal");
    if (!(await this.directory.store.credentials.remove(sp.id, keyId.toLowerCase()))) {
      throw new KeyholdError("NotFound", `The service principal has no credential with keyId '${echo(keyId)}'.`);
    }
  }

  /** True when the secret matches one of the service principal's unexpired secrets. */
  async verifySecret(servicePrincipal: PrincipalRecord, secret: string): Promise<boolean> {
    const now = this.now();
    const credentials = await this.directory.store.credentials.listForPrincipal(servicePrincipal.id);
    // Check every candidate so the time taken does not tell which one matched.
    let matched = false;
    for (const c of credentials) {
      if (c.kind !== "secret" || c.secretHash === null || now < c.startAt || now >= c.endAt) continue;
      matched = verifyClientSecret(secret, c.secretHash) || matched;
    }
    return matched;
  }

  /** The public keys of the service principal's certificates valid now. */
  async certificateKeys(servicePrincipal: PrincipalRecord): Promise<CertificateKey[]> {
    const now = this.now();
    return (await this.directory.store.credentials.listForPrincipal(servicePrincipal.id))
      .filter((c) => c.kind === "certificate" && c.certificatePem !== null && now >= c.startAt && now < c.endAt)
      .map((c) => {
        const certificate = new X509Certificate(c.certificatePem ?? "");
        return {
          keyId: c.id,
          thumbprint: sha256Thumbprint(certificate),
          sha1Thumbprint: createHash("sha1").update(certificate.raw).digest("base64url"),
          publicKey: certificate.publicKey,
        };
      });
  }
}

function parseCertificate(pem: unknown): X509Certificate {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw badParameter("certificate", "must be a PEM certificate");
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw badParameter("certificate", "is not a valid X.509 certificate");
  }
}

function sha256Thumbprint(certificate: X509Certificate): string {
  return createHash("sha256").update(certificate.raw).digest("base64url");
}

function credentialInfo(c: CredentialRecord): CredentialInfo {
  return {
    keyId: c.id,
    type: c.kind === "secret" ? "password" : "certificate",
    displayName: c.displayName,
    startDateTime: new Date(c.startAt).toISOString(),
    endDateTime: new Date(c.endAt).toISOString(),
    ...(c.thumbprint === null ? {} : { thumbprint: c.thumbprint }),
  };
}
