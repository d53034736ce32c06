/** The store's security-domain recovery repository, as the recovery code uses it. */
export type { SecurityDomainRecoveryRepository, UploadOutcome } from "../../store/security-domain-records.js";
