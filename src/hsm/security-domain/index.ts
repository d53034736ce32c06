/** The security domain: Shamir sharing of the domain secret, the blob, and its offline recovery. */
export { combineShares, splitSecret, MAX_SHARES, MIN_QUORUM, type Share } from "./shamir.js";
export { parseSecurityDomain, shareAad, SECURITY_DOMAIN_VERSION, type EncryptedShare, type SecurityDomainBlob } from "./blob.js";
export { wrappingCertificate, wrappingCertificates, MAX_CERTIFICATES, MIN_CERTIFICATES, type WrappingCertificate } from "./certificates.js";
export { domainFingerprintOf, sealSecurityDomain, type SealSecurityDomainInput } from "./seal-shares.js";
export { openShare, recoverDomainSecret, shareFor, type RecoveredDomain } from "./open-shares.js";
export { domainSecretReader, type DomainSecretReader } from "./domain-secret.js";
export { makeWrappingKeyPair, selfSignedCertificate, type WrappingKeyPair } from "./wrapping-keys.js";
export { certificateThumbprint, rsaKeyThumbprint } from "./thumbprints.js";
export type { SecurityDomainRecoveryRepository, UploadOutcome, UploadStatus } from "./recovery-repository.js";
export {
  generateTransferKey,
  TransferKeys,
  transferPublicKey,
  TRANSFER_KEY_BITS,
  type TransferKeyGenerator,
  type TransferPublicKey,
} from "./transfer-key.js";
export {
  makeRestoreBlob,
  openRestoreShares,
  parseRestoreBlob,
  transferKeyFrom,
  RESTORE_BLOB_FORMAT,
  type MakeRestoreBlobInput,
  type RestoreBlob,
  type RestoreShare,
} from "./restore-blob.js";
export { SecurityDomainUploads, type SecurityDomainUploadsDeps } from "./upload.js";
