export type { Caller } from "../pipeline/caller.js";
export { Directory, type PrincipalUpdate } from "./directory.js";
export { ServicePrincipalCredentials } from "./credentials.js";
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
} from "./graph.js";
export { issuerSettings } from "./issuer-settings.js";
export { type Plane } from "./planes.js";
export { TokenIssuer } from "./token-issuer.js";
export { createTokenVerifier } from "./token-verifier.js";
export {
  identityRoutes,
  type IdentityRouteDeps,
} from "./http/identity-routes.js";
