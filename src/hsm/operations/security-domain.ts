/**
 * SecurityDomainService (SPEC section 8, reference section 3.3): Download
 * splits the HSM's domain secret among 3 to 10 wrapping certificates and
 * activates the HSM; GetStatus tells whether that has happened. These are the
 * two operations a NotActivated HSM serves (dispatch.ts).
 *
 * Download of an activated HSM is allowed, as in Azure: it splits the same
 * secret again with fresh polynomials, to the certificates of that call. Shares
 * of two downloads do not combine (the recovered fingerprint would differ); each
 * blob stands alone. It also lets an administrator whose first download was
 * lost (the HSM activated but the response never arrived) fetch it again.
 */
import { KeyholdError, badParameter } from "../../errors.js";
import { dataAction } from "../data-action.js";
import { fields } from "../decode.js";
import type { HsmRegistry } from "../hsm-registry.js";
import { defineOperation, type Operation } from "../operation.js";
import { wrappingCertificates } from "../security-domain/certificates.js";
import type { DomainSecretReader } from "../security-domain/domain-secret.js";
import { sealSecurityDomain } from "../security-domain/seal-shares.js";
import { MIN_QUORUM } from "../security-domain/shamir.js";
import { hsmOf } from "./keys.js";

export interface SecurityDomainDeps {
  readonly readDomainSecret: DomainSecretReader;
  readonly hsms: Pick<HsmRegistry, "markActivated">;
}

export type SecurityDomainStatus = "Success" | "NotActivated";

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

export function securityDomainOperations({ readDomainSecret, hsms }: SecurityDomainDeps): Operation[] {
  const download = defineOperation({
    name: "SecurityDomainDownload",
    plane: "data",
    targetsHsm: true,
    decode(raw: unknown) {
      const input = fields(raw);
      const certificates = wrappingCertificates(input["certificates"]);
      return { certificates, required: quorum(input, certificates.length) };
    },
    authorization: { kind: "localRbac", dataAction: dataAction("securitydomain/download/action"), scope: () => "/" },
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

  const status = defineOperation({
    name: "SecurityDomainStatus",
    plane: "data",
    targetsHsm: true,
    decode(raw: unknown) {
      fields(raw);
      return {};
    },
    // The built-in Administrator holds securitydomain/upload/read (reference section 2.2), the status action of
    // Managed HSM's security domain API; download/read is granted by no built-in role.
    authorization: { kind: "localRbac", dataAction: dataAction("securitydomain/upload/read"), scope: () => "/" },
    async execute(_input, context): Promise<{ status: SecurityDomainStatus; statusDetails: string }> {
      const hsm = hsmOf(context);
      if (hsm.activation === "NotActivated") {
        return { status: "NotActivated", statusDetails: `HSM '${hsm.name}' is provisioned but not activated: download its security domain to activate it.` };
      }
      if (hsm.activation === "Activated" || hsm.activation === "Restoring") {
        return { status: "Success", statusDetails: `The security domain of HSM '${hsm.name}' has been downloaded and the HSM is activated.` };
      }
      throw new KeyholdError("InternalError", "unknown activation state");
    },
  });

  return [download, status] as Operation[];
}
