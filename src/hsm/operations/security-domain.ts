/**
 * SecurityDomainService (SPEC section 8, reference section 3.3): Download
 * splits the HSM's domain secret among 3 to 10 wrapping certificates and
 * activates the HSM; GetTransferKey and Upload give a new HSM the domain of
 * another (recovery); GetStatus tells whether the HSM is activated and how the
 * last upload went. These are the operations a NotActivated HSM serves
 * (their `availableWhile`).
 *
 * Download of an activated HSM is allowed, as in Azure: it splits the same
 * secret again with fresh polynomials, to the certificates of that call. Shares
 * of two downloads do not combine (the recovered fingerprint would differ); each
 * blob stands alone. It also lets an administrator whose first download was
 * lost (the HSM activated but the response never arrived) fetch it again.
 */
import { KeyholdError, badParameter } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import type { HsmRegistry } from "../../pipeline/hsm-registry.js";
import { dataOperation, hsmOf } from "../../pipeline/operation.js";
import { wrappingCertificates } from "../security-domain/certificates.js";
import type { DomainSecretReader } from "../security-domain/domain-secret.js";
import { sealSecurityDomain } from "../security-domain/seal-shares.js";
import { parseRestoreBlob } from "../security-domain/restore-blob.js";
import { MIN_QUORUM } from "../security-domain/shamir.js";
import { transferPublicKey, type TransferKeys } from "../security-domain/transfer-key.js";
import type { SecurityDomainUploads } from "../security-domain/upload.js";

export interface SecurityDomainRecoveryDeps {
  readonly transferKeys: TransferKeys;
  readonly uploads: SecurityDomainUploads;
}

export interface SecurityDomainDeps {
  readonly readDomainSecret: DomainSecretReader;
  readonly hsms: Pick<HsmRegistry, "markActivated">;
  /** Without it the node serves no recovery (GetTransferKey, Upload); its store must keep recovery state. */
  readonly recovery?: SecurityDomainRecoveryDeps;
}

export type SecurityDomainStatus = "Success" | "NotActivated" | "InProgress" | "Failed";

/** Azure's default quorum when the request names none (reference section 3.3). */
const DEFAULT_QUORUM = 2;

function quorum(input: Record<string, unknown>, count: number): number {
  const value = input["required"];
  // Protobuf's default 0 means "not given".
  if (value === undefined || value === null || value === 0) return DEFAULT_QUORUM;
  if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_QUORUM || value > count) {
    throw badParameter("required", `must be an integer from ${MIN_QUORUM} to the number of certificates (${count})`);
  }
  return value;
}

function requireNotActivated(hsm: { name: string; activation: string }): void {
  if (hsm.activation !== "NotActivated") {
    throw new KeyholdError(
      "OperationNotAllowed",
      `HSM '${hsm.name}' is already activated; a transfer key is only given by a new HSM awaiting a security domain upload.`,
    );
  }
}

function recoveryOperations({ transferKeys, uploads }: SecurityDomainRecoveryDeps) {
  const transferKey = dataOperation({
    name: "SecurityDomainTransferKey",
    availableWhile: ["NotActivated"],
    decode(raw: unknown) {
      fields(raw);
      return {};
    },
    dataAction: "securitydomain/transferkey/read",
    scope: () => "/",
    async execute(_input, context): Promise<{ transferKey: string }> {
      const hsm = hsmOf(context);
      requireNotActivated(hsm);
      const privateKey = await transferKeys.ensure(hsm.id);
      // Azure returns the exchange key as a JSON string of a JWK (reference section 3.3).
      return { transferKey: JSON.stringify(transferPublicKey(privateKey)) };
    },
  });

  const upload = dataOperation({
    name: "SecurityDomainUpload",
    availableWhile: ["NotActivated"],
    decode(raw: unknown) {
      const input = fields(raw);
      const text = input["securityDomain"] ?? input["security_domain"];
      if (typeof text !== "string" || text === "")
        throw badParameter("security_domain", "must be the restore blob (JSON) made by 'keyhold security-domain restore-blob'");
      // Parsed once the caller is known to be allowed to upload: a stranger's blob is not worth reading.
      return { text };
    },
    dataAction: "securitydomain/upload/action",
    scope: () => "/",
    async execute(input, context): Promise<{ status: SecurityDomainStatus; statusDetails: string }> {
      const outcome = await uploads.start(hsmOf(context), parseRestoreBlob(input.text));
      return { status: outcome.status, statusDetails: outcome.details };
    },
  });

  return [transferKey, upload];
}

export function securityDomainOperations({ readDomainSecret, hsms, recovery }: SecurityDomainDeps) {
  const download = dataOperation({
    name: "SecurityDomainDownload",
    availableWhile: ["NotActivated"],
    decode(raw: unknown) {
      const input = fields(raw);
      const certificates = wrappingCertificates(input["certificates"]);
      return { certificates, required: quorum(input, certificates.length) };
    },
    dataAction: "securitydomain/download/action",
    scope: () => "/",
    async execute(input, context): Promise<{ securityDomain: string }> {
      const hsm = hsmOf(context);
      const secret = await readDomainSecret(hsm.id);
      let blob;
      try {
        blob = await sealSecurityDomain({ hsmId: hsm.id, secret, required: input.required, certificates: input.certificates });
      } finally {
        secret.fill(0);
      }
      if (hsm.activation === "NotActivated") await hsms.markActivated(hsm.id);
      return { securityDomain: JSON.stringify(blob) };
    },
  });

  const status = dataOperation({
    name: "SecurityDomainStatus",
    availableWhile: ["NotActivated", "Restoring"],
    decode(raw: unknown) {
      fields(raw);
      return {};
    },
    // The built-in Administrator holds securitydomain/upload/read (reference section 2.2), the status action of
    // Managed HSM's security domain API; download/read is granted by no built-in role.
    dataAction: "securitydomain/upload/read",
    scope: () => "/",
    async execute(_input, context): Promise<{ status: SecurityDomainStatus; statusDetails: string }> {
      const hsm = hsmOf(context);
      const upload = await recovery?.uploads.outcome(hsm.id);
      if (upload !== undefined && (upload.status === "InProgress" || (upload.status === "Failed" && hsm.activation === "NotActivated"))) {
        return { status: upload.status, statusDetails: upload.details };
      }
      if (upload?.status === "Success" && hsm.activation !== "NotActivated") return { status: "Success", statusDetails: upload.details };
      // Exhaustive: a new activation state fails to compile here until it is given a status.
      switch (hsm.activation) {
        case "NotActivated":
          return {
            status: "NotActivated",
            statusDetails: `HSM '${hsm.name}' is provisioned but not activated: download its security domain to activate it.`,
          };
        case "Activated":
        case "Restoring":
          return {
            status: "Success",
            statusDetails: `The security domain of HSM '${hsm.name}' has been downloaded and the HSM is activated.`,
          };
      }
    },
  });

  return [download, status, ...(recovery === undefined ? [] : recoveryOperations(recovery))];
}
