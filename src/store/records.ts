/**
 * Plain records the store keeps. They say what is stored, not how; the
 * services in src/identity and src/hsm turn them into domain objects.
 * Times are unix milliseconds.
 */
import type { RoleAssignment, RoleDefinition } from "../authz/model.js";

export type PrincipalKind = "user" | "group" | "servicePrincipal" | "managedIdentity";

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface PrincipalRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: PrincipalKind;
  readonly displayName: string;
  /** Users only. */
  readonly userPrincipalName: string | null;
  /** Service principals (appId) and managed identities (client id); unique across tenants. */
  readonly appId: string | null;
  readonly enabled: boolean;
  /** Users only: the encoded scrypt hash with its parameters (see identity/password-hash.ts). */
  readonly passwordHash: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PrincipalPatch {
  readonly displayName?: string;
  readonly enabled?: boolean;
  readonly passwordHash?: string;
}

export type CredentialKind = "secret" | "certificate";

export interface CredentialRecord {
  /** The Graph `keyId` (a GUID). */
  readonly id: string;
  readonly principalId: string;
  readonly kind: CredentialKind;
  readonly displayName: string;
  /** Secrets only: the encoded salted hash, never the secret. */
  readonly secretHash: string | null;
  /** Certificates only: the PEM certificate whose key signs client assertions. */
  readonly certificatePem: string | null;
  /** Certificates only: base64url SHA-256 thumbprint (the `x5t#S256` header of RFC 7515 section 4.1.8). */
  readonly thumbprint: string | null;
  readonly startAt: number;
  readonly endAt: number;
}

export interface IssuerKeyRecord {
  readonly kid: string;
  readonly alg: "ES256";
  /** Private JWK as JSON text; it lives only in the data dir's store. */
  readonly privateJwk: string;
  readonly publicJwk: string;
  readonly createdAt: number;
}

/** Local RBAC is stored exactly in the shapes the (pure) evaluator reads: one definition of them, in src/authz. */
export type RoleDefinitionRecord = RoleDefinition;
export type RoleAssignmentRecord = RoleAssignment;
