export type { Caller } from "../pipeline/caller.js";
export { Directory, type DirectoryOptions, type PrincipalUpdate } from "./directory.js";
export {
  ServicePrincipalCredentials,
  type AddedPassword,
  type CertificateKey,
  type CredentialInfo,
} from "./credentials.js";
export {
  directoryObjectToGraph,
  groupToGraph,
  parseAddPassword,
  parseGroupCreate,
  parseGroupPatch,
  parseMemberReference,
  parseServicePrincipalCreate,
  parseServicePrincipalPatch,
  parseUserCreate,
  parseUserPatch,
  servicePrincipalToGraph,
  userToGraph,
  type GraphDirectoryObject,
  type GraphGroup,
  type GraphServicePrincipal,
  type GraphUser,
  type PrincipalPatchInput,
  type UserCreateInput,
} from "./graph.js";
export { isGuid, newObjectId } from "./ids.js";
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  issuerSettings,
  issuerUrl,
  jwksUrl,
  tokenEndpointUrl,
  type IssuerSettings,
} from "./issuer-settings.js";
export { OAuthError, type OAuthErrorCode } from "./oauth-error.js";
export { DEFAULT_AUDIENCES, parsePlane, planeOfResource, type Plane, type PlaneAudiences } from "./planes.js";
export { loadOrCreateSigningKey, publishedKeys, type PublishedKey, type SigningKey } from "./signing-keys.js";
export { TokenIssuer, type IssuedToken } from "./token-issuer.js";
export {
  ACCEPTED_TOKEN_ALGORITHMS,
  createTokenVerifier,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type TokenVerifierOptions,
  type VerifyOptions,
  type VerifyToken,
} from "./token-verifier.js";
export type { TrustedIssuerConfig } from "./trusted-issuers.js";
export {
  identityRoutes,
  type IdentityRouteDeps,
  type ManagedIdentityEndpointSettings,
} from "./http/identity-routes.js";
