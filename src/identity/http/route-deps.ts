/** What the identity provider's HTTPS endpoints need, shared by each endpoint's module. */
import type { ServicePrincipalCredentials } from "../credentials.js";
import type { Directory } from "../directory.js";
import type { TokenIssuer } from "../token-issuer.js";

interface ManagedIdentityEndpointSettings {
  /** The secret clients send as X-IDENTITY-HEADER (App Service's IDENTITY_HEADER). */
  readonly identityHeader: string;
  /** The identity used when a request names neither principal_id nor client_id (the "system-assigned" one). */
  readonly defaultPrincipalId?: string;
}

export interface IdentityRouteDeps {
  readonly directory: Directory;
  readonly credentials: ServicePrincipalCredentials;
  readonly issuer: TokenIssuer;
  /** Without it the managed identity endpoint is not served. */
  readonly managedIdentity?: ManagedIdentityEndpointSettings;
}
