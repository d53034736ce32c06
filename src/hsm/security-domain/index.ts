/** The security domain: Shamir sharing of the domain secret, the blob, and its offline recovery. */
export { parseSecurityDomain } from "./blob.js";
export { wrappingCertificates } from "./certificates.js";
export { sealSecurityDomain } from "./seal-shares.js";
export { domainSecretReader, type DomainSecretReader } from "./domain-secret.js";
export { makeWrappingKeyPair, type WrappingKeyPair } from "./wrapping-keys.js";
export { TransferKeys } from "./transfer-key.js";
export { SecurityDomainUploads } from "./upload.js";
