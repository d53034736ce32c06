/** The security domain: Shamir sharing of the domain secret, the blob, and its offline recovery. */
export { combineShares, splitSecret, MAX_SHARES, MIN_QUORUM, type Share } from "./shamir.js";
export { parseSecurityDomain, shareAad, SECURITY_DOMAIN_VERSION, type EncryptedShare, type SecurityDomainBlob } from "./blob.js";
export { wrappingCertificate, wrappingCertificates, MAX_CERTIFICATES, MIN_CERTIFICATES, type WrappingCertificate } from "./certificates.js";
export { domainFingerprintOf, sealSecurityDomain, type SealSecurityDomainInput } from "./seal-shares.js";
export { openShare, recoverDomainSecret, shareFor, type RecoveredDomain } from "./open-shares.js";
export { domainSecretReader, type DomainSecretReader } from "./domain-secret.js";
export { makeWrappingKeyPair, selfSignedCertificate, type WrappingKeyPair } from "./wrapping-keys.js";
export { certificateThumbprint, rsaKeyThumbprint } from "./thumbprints.js";
